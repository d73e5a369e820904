// Bias add, in place: x[t, j] += bias[j] for every row t (Qwen2's Q|K|V biases).
// x f32 [rows, N]; bias f32 [N]. Uniforms (TS order): rows, N.
// bias_add: one invocation per value. bias_add4: four columns per invocation when
// N % 4 == 0 (src/kernels/bias_add.ts picks it), one row per gid.y: a quarter of the
// accesses and no division to find the row. One f32 add per value either way: the same bits.

struct Params { rows: u32, N: u32, _p0: u32, _p1: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> x: array<f32>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;

@compute @workgroup_size(64)
fn bias_add(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.y * 65535u * 64u + gid.x;
  if (i < p.rows * p.N) { x[i] = x[i] + bias[i % p.N]; }
}

@group(0) @binding(1) var<storage, read_write> x4: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> bias4: array<vec4<f32>>;

@compute @workgroup_size(64)
fn bias_add4(@builtin(global_invocation_id) gid: vec3<u32>) {
  let N4 = p.N / 4u;
  let c = gid.x;
  let t = gid.y;
  if (c >= N4 || t >= p.rows) { return; }
  x4[t * N4 + c] = x4[t * N4 + c] + bias4[c];
}
