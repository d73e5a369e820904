// Embedding gather: out[t, d] = table[ids[t], d].
//
// ids   u32 [rows].
// table [V, rowWords] u32: f32 bits (rowWords = D), or with W_F16 f16 pairs
//       (rowWords = ceil(D/2), low half = even column).
// out   f32 [rows, D].
// Uniforms (TS order): rows, D, rowWords. One invocation per output value.

struct Params { rows: u32, D: u32, rowWords: u32, _pad: u32 }

override W_F16: bool = false;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> ids: array<u32>;
@group(0) @binding(2) var<storage, read> table: array<u32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(64)
fn embedding(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.y * 65535u * 64u + gid.x; // 2D grid: rows*D can exceed one dimension's limit
  if (i >= p.rows * p.D) { return; }
  let t = i / p.D;
  let d = i % p.D;
  let row = ids[t] * p.rowWords;
  if (W_F16) {
    out[i] = unpack2x16float(table[row + d / 2u])[d % 2u];
  } else {
    out[i] = bitcast<f32>(table[row + d]);
  }
}
