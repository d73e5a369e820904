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

// What (row, query head) i works on, in vec4 units.
struct Task {
  t: u32,     // the row
  g: u32,     // its key/value head, as a vec4 offset within a cache row (kv head * n4)
  n4: u32,    // vec4 per head
  s: u32,     // the row's sequence
  last: u32,  // the row's position: it sees keys 0..last
  kv4: u32,   // vec4 per cache row
  vBase: u32, // where the values start in the cache
  qo: u32,    // its query in qkv
  oo: u32,    // its output in out
}

fn task(i: u32) -> Task {
  let t = i / p.heads;
  let h = i % p.heads;
  let n4 = p.headDim / 4u;
  let kv4 = p.kvWidth / 4u;
  return Task(t, (h / p.group) * n4, n4, seq[t], pos[t], kv4, p.capacity * kv4, (t * p.qkvStride + h * p.headDim) / 4u, (t * p.heads + h) * n4);
}

@compute @workgroup_size(64)
fn attention(@builtin(global_invocation_id) gid: vec3<u32>) {
  if (gid.x >= p.rows * p.heads) { return; }
  let a = task(gid.x);
  let g = a.g;
  let n4 = a.n4;
  let s = a.s;
  let last = a.last;
  let kv4 = a.kv4;
  let vBase = a.vBase;
  var q: array<vec4<f32>, MAX_V4>;
  for (var d = 0u; d < n4; d++) { q[d] = qkv[a.qo + d]; }
  // Position 0 starts the running max, sum and output, so no -inf is needed.
  var acc: array<vec4<f32>, MAX_V4>;
  var kb = slot_of(s, 0u) * kv4 + g;
  var score = 0.0;
  for (var d = 0u; d < n4; d++) { score += dot(q[d], cache[kb + d]); }
  var m = score * p.scale;
  var l = 1.0;
  for (var d = 0u; d < n4; d++) { acc[d] = cache[vBase + kb + d]; }
  for (var j = 1u; j <= last; j++) {
    kb = slot_of(s, j) * kv4 + g;
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
  for (var d = 0u; d < n4; d++) { out[a.oo + d] = acc[d] / l; }
}

// attention_wg: the same result for GPUs with many cores, one workgroup of WG_ATT per
// (row, query head) instead of one invocation (SwiftShader's form, above; on an H200 a
// decode step's 8 heads were 8 threads walking the whole context). Keys go in tiles of
// WG_ATT, still in position order: each invocation scores one key of the tile, every
// invocation then reads the tile's scores from workgroup memory in the same order
// (so all agree on the running max and sum), and invocation d < Dh/4 accumulates
// output vec4 d over the tile's values. As above, the order depends only on the row's
// own position. Workgroups past rows*heads fold into y (index = y * 65535 + x).
override WG_ATT: u32 = 64;
var<workgroup> tile_w: array<f32, WG_ATT>;   // the tile's scores, then their weights
var<workgroup> tile_kb: array<u32, WG_ATT>;  // the tile's keys' cache offsets
var<workgroup> q_wg: array<vec4<f32>, MAX_V4>;

@compute @workgroup_size(WG_ATT)
fn attention_wg(@builtin(local_invocation_id) lid3: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let i = wid.y * 65535u + wid.x;
  if (i >= p.rows * p.heads) { return; }
  let lid = lid3.x;
  let a = task(i);
  let n4 = a.n4;
  let last = a.last;
  if (lid < n4) { q_wg[lid] = qkv[a.qo + lid]; }
  workgroupBarrier();
  var acc = vec4(0.0);
  var m = 0.0;
  var l = 0.0;
  for (var j0 = 0u; j0 <= last; j0 += WG_ATT) {
    let n = min(WG_ATT, last + 1u - j0);
    var sj = 0.0;
    if (lid < n) {
      let kb = slot_of(a.s, j0 + lid) * a.kv4 + a.g;
      var score = 0.0;
      for (var d = 0u; d < n4; d++) { score += dot(q_wg[d], cache[kb + d]); }
      sj = score * p.scale;
      tile_w[lid] = sj;
      tile_kb[lid] = kb;
    }
    workgroupBarrier();
    var tmax = tile_w[0];
    for (var u = 1u; u < n; u++) { tmax = max(tmax, tile_w[u]); }
    // The first tile starts the running max; l and acc are still zero then.
    let mNew = select(max(m, tmax), tmax, j0 == 0u);
    let corr = select(exp(m - mNew), 0.0, j0 == 0u);
    workgroupBarrier(); // everyone has read the scores before they become weights
    if (lid < n) { tile_w[lid] = exp(sj - mNew); }
    workgroupBarrier();
    var wsum = 0.0;
    for (var u = 0u; u < n; u++) { wsum += tile_w[u]; }
    l = l * corr + wsum;
    if (lid < n4) {
      var vsum = vec4(0.0);
      for (var u = 0u; u < n; u++) { vsum += tile_w[u] * cache[a.vBase + tile_kb[u] + lid]; }
      acc = acc * corr + vsum;
    }
    m = mNew;
    workgroupBarrier(); // the tile is used up before the next overwrites it
  }
  if (lid < n4) { out[a.oo + lid] = acc / l; }
}
