// RMSNorm: out[r, :] = x[src, :] / sqrt(mean(x[src, :]^2) + eps) * gain.
//
// x     f32 [*, D]; gain f32 [D]; out f32 [rows, D].
// rmsnorm         src = r (every row of the step).
// rmsnorm_gather  src = rowIndex[r] (the final norm: only rows whose logits are wanted).
// rmsnorm_wg, rmsnorm_gather_wg  the same, one workgroup of WG_NORM per row (row index
//                 wid.y * 65535 + wid.x: KernelCall.dispatch1d folds rows past 65,535 into y).
// Uniforms (TS order): rows, D, eps.
// The first two: one invocation per row, summing sequentially (SwiftShader, where
// a barrier is a context switch). The _wg forms, for GPUs with many cores: each
// invocation sums every WG_NORM-th square, then a tree in workgroup memory (one thread
// walking a wide row is slow on a GPU: docs/results.md, "Kernels on an H200"). Either way a row's result
// never depends on the other rows.

struct Params { rows: u32, D: u32, eps: f32, _pad: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> gain: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(4) var<storage, read> rowIndex: array<u32>;

fn norm_row(src: u32, dst: u32) {
  let xo = src * p.D;
  var ss = 0.0;
  for (var d = 0u; d < p.D; d++) { ss = fma(x[xo + d], x[xo + d], ss); }
  let scale = 1.0 / sqrt(ss / f32(p.D) + p.eps);
  let oo = dst * p.D;
  for (var d = 0u; d < p.D; d++) { out[oo + d] = x[xo + d] * scale * gain[d]; }
}

@compute @workgroup_size(64)
fn rmsnorm(@builtin(global_invocation_id) gid: vec3<u32>) {
  if (gid.x < p.rows) { norm_row(gid.x, gid.x); }
}

@compute @workgroup_size(64)
fn rmsnorm_gather(@builtin(global_invocation_id) gid: vec3<u32>) {
  if (gid.x < p.rows) { norm_row(rowIndex[gid.x], gid.x); }
}

override WG_NORM: u32 = 256; // a power of two
var<workgroup> sums: array<f32, WG_NORM>;

fn norm_row_wg(src: u32, dst: u32, lid: u32) {
  let xo = src * p.D;
  var ss = 0.0;
  for (var d = lid; d < p.D; d += WG_NORM) { ss = fma(x[xo + d], x[xo + d], ss); }
  sums[lid] = ss;
  workgroupBarrier();
  for (var half = WG_NORM / 2u; half > 0u; half >>= 1u) {
    if (lid < half) { sums[lid] += sums[lid + half]; }
    workgroupBarrier();
  }
  let scale = 1.0 / sqrt(sums[0] / f32(p.D) + p.eps);
  let oo = dst * p.D;
  for (var d = lid; d < p.D; d += WG_NORM) { out[oo + d] = x[xo + d] * scale * gain[d]; }
}

@compute @workgroup_size(WG_NORM)
fn rmsnorm_wg(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let r = wid.y * 65535u + wid.x;
  if (r < p.rows) { norm_row_wg(r, r, lid.x); } // uniform per workgroup, so its barriers are too
}

@compute @workgroup_size(WG_NORM)
fn rmsnorm_gather_wg(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let r = wid.y * 65535u + wid.x;
  if (r < p.rows) { norm_row_wg(rowIndex[r], r, lid.x); }
}

// One invocation per row, four values per access when D % 4 == 0 (src/kernels/rmsnorm.ts
// picks it): SwiftShader pays its bounds checks per access, not per byte. The sum of
// squares runs over d = 0, 1, 2, ... as in norm_row, so every bit is the same.
@group(0) @binding(1) var<storage, read> x4: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> gain4: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> out4: array<vec4<f32>>;

fn norm_row4(src: u32, dst: u32) {
  let D4 = p.D / 4u;
  let xo = src * D4;
  var ss = 0.0;
  for (var d = 0u; d < D4; d++) {
    let v = x4[xo + d];
    ss = fma(v.x, v.x, ss);
    ss = fma(v.y, v.y, ss);
    ss = fma(v.z, v.z, ss);
    ss = fma(v.w, v.w, ss);
  }
  let scale = 1.0 / sqrt(ss / f32(p.D) + p.eps);
  let oo = dst * D4;
  for (var d = 0u; d < D4; d++) { out4[oo + d] = x4[xo + d] * scale * gain4[d]; }
}

@compute @workgroup_size(64)
fn rmsnorm4(@builtin(global_invocation_id) gid: vec3<u32>) {
  if (gid.x < p.rows) { norm_row4(gid.x, gid.x); }
}

@compute @workgroup_size(64)
fn rmsnorm_gather4(@builtin(global_invocation_id) gid: vec3<u32>) {
  if (gid.x < p.rows) { norm_row4(rowIndex[gid.x], gid.x); }
}
