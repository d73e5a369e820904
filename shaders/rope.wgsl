// RoPE, rotate-half form, in place: for the first ropeHeads heads of each row
// (in the fused Q|K|V layout: the H query heads, then the Hkv key heads),
//   x[i]        = x[i] cos - x[i + Dh/2] sin
//   x[i + Dh/2] = x[i + Dh/2] cos + x[i] sin,   angle = pos[t] * theta^(-2i/Dh).
//
// x      f32 [rows, stride], read and written.
// pos    u32 [rows] absolute positions.
// cosT, sinT f32 [C, Dh/2] precomputed on the CPU (the reference uses the same table).
// Uniforms (TS order): rows, stride, ropeHeads, half (= Dh/2).
// One invocation per (row, head, pair).

struct Params { rows: u32, stride: u32, ropeHeads: u32, half: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> x: array<f32>;
@group(0) @binding(2) var<storage, read> pos: array<u32>;
@group(0) @binding(3) var<storage, read> cosT: array<f32>;
@group(0) @binding(4) var<storage, read> sinT: array<f32>;

@compute @workgroup_size(64)
fn rope(@builtin(global_invocation_id) gid: vec3<u32>) {
  let perRow = p.ropeHeads * p.half;
  let i = gid.y * 65535u * 64u + gid.x;
  if (i >= p.rows * perRow) { return; }
  let t = i / perRow;
  let h = (i % perRow) / p.half;
  let k = i % p.half;
  let base = t * p.stride + h * 2u * p.half + k;
  let ti = pos[t] * p.half + k;
  let c = cosT[ti];
  let s = sinT[ti];
  let a = x[base];
  let b = x[base + p.half];
  x[base] = a * c - b * s;
  x[base + p.half] = b * c + a * s;
}

// Four pairs per invocation when Dh / 2 % 4 == 0 (src/kernels/rope.ts picks it), one
// row per gid.y: a quarter of the accesses (SwiftShader pays its bounds checks per
// access) and of the divisions (one per invocation, a lane at a time on SwiftShader).
// The same arithmetic per value, so the same bits.
@group(0) @binding(1) var<storage, read_write> x4: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> cos4: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> sin4: array<vec4<f32>>;

@compute @workgroup_size(64)
fn rope4(@builtin(global_invocation_id) gid: vec3<u32>) {
  let half4 = p.half / 4u;
  let t = gid.y;
  if (gid.x >= p.ropeHeads * half4 || t >= p.rows) { return; }
  let h = gid.x / half4;
  let k4 = gid.x % half4;
  let base = (t * p.stride + h * 2u * p.half) / 4u + k4;
  let ti = pos[t] * half4 + k4;
  let c = cos4[ti];
  let s = sin4[ti];
  let a = x4[base];
  let b = x4[base + half4];
  x4[base] = a * c - b * s;
  x4[base + half4] = b * c + a * s;
}
