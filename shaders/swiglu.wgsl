// SwiGLU: out[t, i] = silu(gu[t, i]) * gu[t, F + i], silu(x) = x / (1 + e^-x).
// gu f32 [rows, 2F] (gate columns, then up columns: the fused projection); out f32 [rows, F].
// Uniforms (TS order): rows, F. One invocation per output value.

struct Params { rows: u32, F: u32, _p0: u32, _p1: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> gu: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(64)
fn swiglu(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.y * 65535u * 64u + gid.x;
  if (i >= p.rows * p.F) { return; }
  let t = i / p.F;
  let c = i % p.F;
  let g = gu[t * 2u * p.F + c];
  out[i] = g / (1.0 + exp(-g)) * gu[t * 2u * p.F + p.F + c];
}
