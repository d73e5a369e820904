// KV cache write: copies each row's key and value into its sequence's paged cache.
//
// qkv    f32 [rows, qkvStride]; the key starts at column kOffset, the value right after it.
// pos    u32 [rows] absolute positions; seq u32 [rows] sequence slot of each row.
// blocks u32 [seqSlots, blocksPerSeq] block table: block b of a sequence holds its
//        positions b*BS .. b*BS+BS-1; cache slot = blocks[...] * BS + pos % BS.
// cache  f32 [2, capacity, kvWidth]: keys, then values (one buffer per layer).
// Uniforms (TS order): rows, qkvStride, kOffset, kvWidth, blockSize, blocksPerSeq, capacity.
// One invocation per (row, four key/value elements), one row per gid.y: headDim % 4 == 0
// (validateConfig) makes every offset here a whole number of vec4, and SwiftShader
// pays its bounds checks per access, not per byte, and divides a lane at a time.

struct Params { rows: u32, qkvStride: u32, kOffset: u32, kvWidth: u32, blockSize: u32, blocksPerSeq: u32, capacity: u32, _pad: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> qkv: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> pos: array<u32>;
@group(0) @binding(3) var<storage, read> seq: array<u32>;
@group(0) @binding(4) var<storage, read> blocks: array<u32>;
@group(0) @binding(5) var<storage, read_write> cache: array<vec4<f32>>;

@compute @workgroup_size(64)
fn kv_write(@builtin(global_invocation_id) gid: vec3<u32>) {
  let w4 = p.kvWidth / 4u;
  let c = gid.x;
  let t = gid.y;
  if (c >= w4 || t >= p.rows) { return; }
  let ps = pos[t];
  let slot = blocks[seq[t] * p.blocksPerSeq + ps / p.blockSize] * p.blockSize + ps % p.blockSize;
  let src = (t * p.qkvStride + p.kOffset) / 4u + c;
  cache[slot * w4 + c] = qkv[src];
  cache[(p.capacity + slot) * w4 + c] = qkv[src + w4];
}
