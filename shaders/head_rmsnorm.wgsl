// Per-head RMSNorm, in place (Qwen3's q_norm and k_norm, before RoPE): in each row of
// x [rows, stride], heads 0..qHeads-1 of Dh values are normed with qGain, the next kHeads
// with kGain, each over its own Dh values:
//   x[h, d] = x[h, d] / sqrt(mean_d(x[h, :]^2) + eps) * gain[d].
// In the fused Q|K|V layout that is every query and key head; V is left alone.
// x f32 [rows, stride]; qGain, kGain f32 [Dh]. Uniforms (TS order): rows, stride, qHeads,
// kHeads, Dh, eps. One invocation per (row, head), summing its squares in order: a head is
// short (Dh <= 128) and one row's result never depends on the other rows.

struct Params { rows: u32, stride: u32, qHeads: u32, kHeads: u32, Dh: u32, eps: f32, _p0: u32, _p1: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> x: array<f32>;
@group(0) @binding(2) var<storage, read> qGain: array<f32>;
@group(0) @binding(3) var<storage, read> kGain: array<f32>;

@compute @workgroup_size(64)
fn head_rmsnorm(@builtin(global_invocation_id) gid: vec3<u32>) {
  let perRow = p.qHeads + p.kHeads;
  let i = gid.y * 65535u * 64u + gid.x;
  if (i >= p.rows * perRow) { return; }
  let t = i / perRow;
  let h = i % perRow;
  let base = t * p.stride + h * p.Dh;
  var ss = 0.0;
  for (var d = 0u; d < p.Dh; d++) { ss = fma(x[base + d], x[base + d], ss); }
  let scale = 1.0 / sqrt(ss / f32(p.Dh) + p.eps);
  if (h < p.qHeads) {
    for (var d = 0u; d < p.Dh; d++) { x[base + d] = x[base + d] * scale * qGain[d]; }
  } else {
    for (var d = 0u; d < p.Dh; d++) { x[base + d] = x[base + d] * scale * kGain[d]; }
  }
}
