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
// One invocation per (row, one or two query heads), holding q and the output (Dh <= 128)
// in registers (HEAD_V4 below) and walking keys in position order with an online
// softmax: the order, and so the bits, depend only on the row's own position, never on
// the batch.

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
  return Task(t, (h / p.group) * n4, n4, seq[t], pos[t], kv4, p.capacity * kv4,
              (t * p.qkvStride + h * p.headDim) / 4u, (t * p.heads + h) * n4);
}

// The per-invocation form keeps q and the output in named registers, HEAD_V4 (= Dh / 4,
// compiled in) vec4 of each in blocks of four, every index a constant: SwiftShader runs
// an array indexed by a loop variable as a memory gather per element (docs/results.md,
// "Attention in registers"),
// which made q[d] and acc[d] cost as much as the cache reads they go with.
// Where two query heads share a key/value head (HEADS_PER = 2: the GQA group is even),
// one invocation serves both, so each key and value is read once for the two. The sums
// run in the same order as a loop over d would, one head at a time.
override HEAD_V4: u32 = 16u;
override HEADS_PER: u32 = 1u; // query heads per invocation: 1 or 2
// Small workgroups: SwiftShader hands each workgroup to one worker thread, and a decode
// step has few (row, head) pairs (16 rows x 4 pairs is one workgroup of 64: one core).
override WG_INV: u32 = 16u;

struct Q4 { v0: vec4<f32>, v1: vec4<f32>, v2: vec4<f32>, v3: vec4<f32> }
struct Head { b0: Q4, b1: Q4, b2: Q4, b3: Q4, b4: Q4, b5: Q4, b6: Q4, b7: Q4 } // Dh <= 128

// How many of block b's four vec4 lie in the head (compile-time once HEAD_V4 is set).
fn block_len(b: u32) -> u32 { return min(4u, max(HEAD_V4, 4u * b) - 4u * b); }
fn has_block(b: u32) -> bool { return HEAD_V4 > 4u * b; }

fn q_block(i: u32, n: u32) -> Q4 {
  var r = Q4(qkv[i], vec4(0.0), vec4(0.0), vec4(0.0));
  if (n > 1u) { r.v1 = qkv[i + 1u]; }
  if (n > 2u) { r.v2 = qkv[i + 2u]; }
  if (n > 3u) { r.v3 = qkv[i + 3u]; }
  return r;
}

fn cache_block(i: u32, n: u32) -> Q4 {
  var r = Q4(cache[i], vec4(0.0), vec4(0.0), vec4(0.0));
  if (n > 1u) { r.v1 = cache[i + 1u]; }
  if (n > 2u) { r.v2 = cache[i + 2u]; }
  if (n > 3u) { r.v3 = cache[i + 3u]; }
  return r;
}

// The head starting at vec4 i of qkv (a query) or of the cache (a key or values).
// q_block and cache_block are one loader written twice because a WGSL function cannot
// take a storage buffer as a parameter; fromQkv is a literal at every call, so only one
// of them is compiled into each use.
fn block_from(i: u32, n: u32, fromQkv: bool) -> Q4 {
  if (fromQkv) { return q_block(i, n); }
  return cache_block(i, n);
}

fn load_head(i: u32, fromQkv: bool) -> Head {
  var h: Head;
  h.b0 = block_from(i, block_len(0u), fromQkv);
  if (has_block(1u)) { h.b1 = block_from(i + 4u, block_len(1u), fromQkv); }
  if (has_block(2u)) { h.b2 = block_from(i + 8u, block_len(2u), fromQkv); }
  if (has_block(3u)) { h.b3 = block_from(i + 12u, block_len(3u), fromQkv); }
  if (has_block(4u)) { h.b4 = block_from(i + 16u, block_len(4u), fromQkv); }
  if (has_block(5u)) { h.b5 = block_from(i + 20u, block_len(5u), fromQkv); }
  if (has_block(6u)) { h.b6 = block_from(i + 24u, block_len(6u), fromQkv); }
  if (has_block(7u)) { h.b7 = block_from(i + 28u, block_len(7u), fromQkv); }
  return h;
}

// The running score plus q . k over one block, one vec4 after another.
fn dot_block(s: f32, q: Q4, k: Q4, n: u32) -> f32 {
  var r = s + dot(q.v0, k.v0);
  if (n > 1u) { r += dot(q.v1, k.v1); }
  if (n > 2u) { r += dot(q.v2, k.v2); }
  if (n > 3u) { r += dot(q.v3, k.v3); }
  return r;
}

// q . k, summed from 0 over d in order.
fn score(q: Head, k: Head) -> f32 {
  var s = dot_block(0.0, q.b0, k.b0, block_len(0u));
  if (has_block(1u)) { s = dot_block(s, q.b1, k.b1, block_len(1u)); }
  if (has_block(2u)) { s = dot_block(s, q.b2, k.b2, block_len(2u)); }
  if (has_block(3u)) { s = dot_block(s, q.b3, k.b3, block_len(3u)); }
  if (has_block(4u)) { s = dot_block(s, q.b4, k.b4, block_len(4u)); }
  if (has_block(5u)) { s = dot_block(s, q.b5, k.b5, block_len(5u)); }
  if (has_block(6u)) { s = dot_block(s, q.b6, k.b6, block_len(6u)); }
  if (has_block(7u)) { s = dot_block(s, q.b7, k.b7, block_len(7u)); }
  return s;
}

fn mix_block(acc: Q4, corr: f32, e: f32, v: Q4) -> Q4 {
  return Q4(acc.v0 * corr + e * v.v0, acc.v1 * corr + e * v.v1, acc.v2 * corr + e * v.v2, acc.v3 * corr + e * v.v3);
}

// The output rescaled by corr plus e times the values v (vec4 past the head stay zero).
fn mix(acc: Head, corr: f32, e: f32, v: Head) -> Head {
  var h = acc;
  h.b0 = mix_block(acc.b0, corr, e, v.b0);
  if (has_block(1u)) { h.b1 = mix_block(acc.b1, corr, e, v.b1); }
  if (has_block(2u)) { h.b2 = mix_block(acc.b2, corr, e, v.b2); }
  if (has_block(3u)) { h.b3 = mix_block(acc.b3, corr, e, v.b3); }
  if (has_block(4u)) { h.b4 = mix_block(acc.b4, corr, e, v.b4); }
  if (has_block(5u)) { h.b5 = mix_block(acc.b5, corr, e, v.b5); }
  if (has_block(6u)) { h.b6 = mix_block(acc.b6, corr, e, v.b6); }
  if (has_block(7u)) { h.b7 = mix_block(acc.b7, corr, e, v.b7); }
  return h;
}

fn store_block(o: u32, acc: Q4, l: f32, n: u32) {
  out[o] = acc.v0 / l;
  if (n > 1u) { out[o + 1u] = acc.v1 / l; }
  if (n > 2u) { out[o + 2u] = acc.v2 / l; }
  if (n > 3u) { out[o + 3u] = acc.v3 / l; }
}

fn store_head(o: u32, acc: Head, l: f32) {
  store_block(o, acc.b0, l, block_len(0u));
  if (has_block(1u)) { store_block(o + 4u, acc.b1, l, block_len(1u)); }
  if (has_block(2u)) { store_block(o + 8u, acc.b2, l, block_len(2u)); }
  if (has_block(3u)) { store_block(o + 12u, acc.b3, l, block_len(3u)); }
  if (has_block(4u)) { store_block(o + 16u, acc.b4, l, block_len(4u)); }
  if (has_block(5u)) { store_block(o + 20u, acc.b5, l, block_len(5u)); }
  if (has_block(6u)) { store_block(o + 24u, acc.b6, l, block_len(6u)); }
  if (has_block(7u)) { store_block(o + 28u, acc.b7, l, block_len(7u)); }
}

// One query head's online softmax: running max m, sum l and output acc.
struct Running { m: f32, l: f32, acc: Head }

// Position 0 starts the running max, sum and output, so no -inf is needed.
fn start(q: Head, k: Head, v: Head) -> Running {
  return Running(score(q, k) * p.scale, 1.0, v);
}

fn step(r: Running, q: Head, k: Head, v: Head) -> Running {
  let sj = score(q, k) * p.scale;
  let mNew = max(r.m, sj);
  let corr = exp(r.m - mNew);
  let e = exp(sj - mNew);
  return Running(mNew, r.l * corr + e, mix(r.acc, corr, e, v));
}

@compute @workgroup_size(WG_INV)
fn attention(@builtin(global_invocation_id) gid: vec3<u32>) {
  let per = p.heads / HEADS_PER; // invocations per row
  if (gid.x >= p.rows * per) { return; }
  // Query heads h and h + 1 (HEADS_PER = 2) of row t share a key/value head.
  let a = task((gid.x / per) * p.heads + (gid.x % per) * HEADS_PER);
  let two = HEADS_PER == 2u;
  let q0 = load_head(a.qo, true);
  var q1: Head;
  if (two) { q1 = load_head(a.qo + a.n4, true); }
  var kb = slot_of(a.s, 0u) * a.kv4 + a.g;
  var k = load_head(kb, false);
  var v = load_head(a.vBase + kb, false);
  var r0 = start(q0, k, v);
  var r1: Running;
  if (two) { r1 = start(q1, k, v); }
  for (var j = 1u; j <= a.last; j++) {
    kb = slot_of(a.s, j) * a.kv4 + a.g;
    k = load_head(kb, false);
    v = load_head(a.vBase + kb, false);
    r0 = step(r0, q0, k, v);
    if (two) { r1 = step(r1, q1, k, v); }
  }
  store_head(a.oo, r0.acc, r0.l);
  if (two) { store_head(a.oo + a.n4, r1.acc, r1.l); }
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
