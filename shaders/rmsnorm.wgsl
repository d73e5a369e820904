// RMSNorm: out[r, :] = x[src, :] / sqrt(mean(x[src, :]^2) + eps) * gain.
//
// x     f32 [*, D]; gain f32 [D]; out f32 [rows, D].
// rmsnorm         src = r (every row of the step).
// rmsnorm_gather  src = rowIndex[r] (the final norm: only rows whose logits are wanted).
// Uniforms (TS order): rows, D, eps.
// One invocation per row, summing sequentially: a row's result never depends on
// the other rows, and D <= a few thousand keeps one thread per row cheap.

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
