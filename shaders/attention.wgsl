// Causal grouped-query attention of new rows over their sequences' paged KV cache.
// Serves prompts (rows = positions 0..T-1 of one sequence), decode (one row per
// sequence) and anything between: row t at position pos[t] sees its sequence's
// positions 0..pos[t], whose keys were written by kv_write before this runs.
//
// qkv    vec4<f32> [rows, qkvStride/4]; query head h at column h*Dh.
// pos, seq, blocks  as in kv_write.wgsl.
// cache  vec4<f32> [2, capacity, kvWidth/4]: keys, then values.
// out    vec4<f32> [rows, H*Dh/4].
// Uniforms (TS order): rows, heads, group (= H/Hkv), headDim, qkvStride, kvWidth,
//   blockSize, blocksPerSeq, capacity, scale (f32).
// One invocation per (row, query head), holding q and the output (Dh <= 128) in
// registers and walking keys in position order with an online softmax: the order,
// and so the bits, depend only on the row's own position, never on the batch.

struct Params {
  rows: u32, heads: u32, group: u32, headDim: u32,
  qkvStride: u32, kvWidth: u32, blockSize: u32, blocksPerSeq: u32,
  capacity: u32, scale: f32, _p0: u32, _p1: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> qkv: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> pos: array<u32>;
@group(0) @binding(3) var<storage, read> seq: array<u32>;
@group(0) @binding(4) var<storage, read> blocks: array<u32>;
@group(0) @binding(5) var<storage, read> cache: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read_write> out: array<vec4<f32>>;

const MAX_V4: u32 = 32u; // Dh <= 128

fn slot_of(s: u32, j: u32) -> u32 {
  return blocks[s * p.blocksPerSeq + j / p.blockSize] * p.blockSize + j % p.blockSize;
}

@compute @workgroup_size(64)
fn attention(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= p.rows * p.heads) { return; }
  let t = i / p.heads;
  let h = i % p.heads;
  let g = h / p.group;
  let n4 = p.headDim / 4u;
  let s = seq[t];
  let last = pos[t];
  var q: array<vec4<f32>, MAX_V4>;
  let qo = (t * p.qkvStride + h * p.headDim) / 4u;
  for (var d = 0u; d < n4; d++) { q[d] = qkv[qo + d]; }
  let kv4 = p.kvWidth / 4u;
  let vBase = p.capacity * kv4;
  // Position 0 starts the running max, sum and output, so no -inf is needed.
  var acc: array<vec4<f32>, MAX_V4>;
  var kb = slot_of(s, 0u) * kv4 + g * n4;
  var score = 0.0;
  for (var d = 0u; d < n4; d++) { score += dot(q[d], cache[kb + d]); }
  var m = score * p.scale;
  var l = 1.0;
  for (var d = 0u; d < n4; d++) { acc[d] = cache[vBase + kb + d]; }
  for (var j = 1u; j <= last; j++) {
    kb = slot_of(s, j) * kv4 + g * n4;
    score = 0.0;
    for (var d = 0u; d < n4; d++) { score += dot(q[d], cache[kb + d]); }
    let sj = score * p.scale;
    let mNew = max(m, sj);
    let corr = exp(m - mNew);
    let e = exp(sj - mNew);
    l = l * corr + e;
    for (var d = 0u; d < n4; d++) { acc[d] = acc[d] * corr + e * cache[vBase + kb + d]; }
    m = mNew;
  }
  let oo = (t * p.heads + h) * n4;
  for (var d = 0u; d < n4; d++) { out[oo + d] = acc[d] / l; }
}
