// Residual add, in place: x[i] += y[i] for i < n (n = rows * D).
// x, y f32 [rows, D]. Uniforms (TS order): n. One invocation per value.

struct Params { n: u32, _p0: u32, _p1: u32, _p2: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> x: array<f32>;
@group(0) @binding(2) var<storage, read> y: array<f32>;

@compute @workgroup_size(64)
fn residual(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.y * 65535u * 64u + gid.x;
  if (i < p.n) { x[i] = x[i] + y[i]; }
}

// Four values per invocation when D % 4 == 0 (src/kernels/residual.ts picks it; n then
// counts vec4s): SwiftShader pays its bounds checks per access, not per byte, so a
// vec4 access moves four values for about the cost of one. The same adds, the same bits.
@group(0) @binding(1) var<storage, read_write> x4: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> y4: array<vec4<f32>>;

@compute @workgroup_size(64)
fn residual4(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.y * 65535u * 64u + gid.x;
  if (i < p.n) { x4[i] = x4[i] + y4[i]; }
}
