// KV cache write: copies each row's key and value into its sequence's paged cache.
//
// qkv    f32 [rows, qkvStride]; the key starts at column kOffset, the value right after it.
// pos    u32 [rows] absolute positions; seq u32 [rows] sequence slot of each row.
// blocks u32 [seqSlots, blocksPerSeq] block table: block b of a sequence holds its
//        positions b*BS .. b*BS+BS-1; cache slot = blocks[...] * BS + pos % BS.
// cache  f32 [2, capacity, kvWidth]: keys, then values (one buffer per layer).
// Uniforms (TS order): rows, qkvStride, kOffset, kvWidth, blockSize, blocksPerSeq, capacity.
// One invocation per (row, key/value element).

struct Params { rows: u32, qkvStride: u32, kOffset: u32, kvWidth: u32, blockSize: u32, blocksPerSeq: u32, capacity: u32, _pad: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> qkv: array<f32>;
@group(0) @binding(2) var<storage, read> pos: array<u32>;
@group(0) @binding(3) var<storage, read> seq: array<u32>;
@group(0) @binding(4) var<storage, read> blocks: array<u32>;
@group(0) @binding(5) var<storage, read_write> cache: array<f32>;

@compute @workgroup_size(64)
fn kv_write(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.y * 65535u * 64u + gid.x;
  if (i >= p.rows * p.kvWidth) { return; }
  let t = i / p.kvWidth;
  let c = i % p.kvWidth;
  let ps = pos[t];
  let slot = blocks[seq[t] * p.blocksPerSeq + ps / p.blockSize] * p.blockSize + ps % p.blockSize;
  let src = t * p.qkvStride + p.kOffset + c;
  cache[slot * p.kvWidth + c] = qkv[src];
  cache[(p.capacity + slot) * p.kvWidth + c] = qkv[src + p.kvWidth];
}
