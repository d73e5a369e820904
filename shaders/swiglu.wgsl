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

// Four columns per invocation when F % 4 == 0 (src/kernels/swiglu.ts picks it), one row
// per gid.y: a quarter of the accesses (SwiftShader pays its bounds checks per access)
// and no division to find the row (SwiftShader divides a lane at a time). The same
// arithmetic per value, so the same bits.
@group(0) @binding(1) var<storage, read> gu4: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> out4: array<vec4<f32>>;

@compute @workgroup_size(64)
fn swiglu4(@builtin(global_invocation_id) gid: vec3<u32>) {
  let F4 = p.F / 4u;
  let c = gid.x;
  let t = gid.y;
  if (c >= F4 || t >= p.rows) { return; }
  let g = gu4[t * 2u * F4 + c];
  out4[t * F4 + c] = g / (1.0 + exp(-g)) * gu4[t * 2u * F4 + F4 + c];
}
