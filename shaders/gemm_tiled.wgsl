// GEMM for prefill on GPUs with many cores: out[M, N] = a[M, K] . w[K, N], in tiles staged
// in workgroup memory (gemm.wgsl's gemm_direct is the form for few cores).
//
// a   f32 [M, K], row-major activations.
// w   [Kp, Np] weights, as gemm.wgsl reads them (plain f16 only: unpack2x16float).
// out f32 [M, N].
// Uniforms (TS order): M, K, N, rowVec4 (vec4<u32> per weight row), kc.
//
// A workgroup stages a (WG_Y*8) x TILE_K tile of a and a TILE_K x (WG_X*8) tile of w in
// workgroup memory; each invocation owns 8 rows x 8 columns. Every output is summed in the
// matrix's K chunks (src/kernels/k-chunks.ts), each chunk one sequential fma chain, the
// chunks' sums added in order, as the split-K GEMV sums them (gemv_splitk.wgsl): prefill and
// decode rows get the same bits.

struct Params { M: u32, K: u32, N: u32, rowVec4: u32, kc: u32, _p0: u32, _p1: u32, _p2: u32 }

override W_F16: bool = false;
override WG_X: u32 = 8;
override WG_Y: u32 = 8;
override TILE_K: u32 = 16;
override LANES: u32 = 4; // lane_columns.wgsl's; unused here

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

// Octet loads and stores (load_w8, store8) come from shaders/lane_columns.wgsl, appended
// to this file by src/kernels/gemm.ts, so the weights are read as the other kernels read them.
fn row_vec4() -> u32 { return p.rowVec4; }

// gemm_tiled: each invocation owns RT = 8 rows x 8 columns (an 8 x 8 register tile), so
// per k it reads two vec4 of activations and two of weights from workgroup memory for 64
// fmas, where a 4 x 8 tile reads six values for 32 (docs/results.md, "Kernels on an
// H200"). The activation tile is stored k-major (a row of WG_Y * 8 rows per k,
// padded by one vec4 against bank conflicts while staging), so an invocation's 8 rows
// at one k are two vec4 loads that all invocations of a row group share (a broadcast).
const RT: u32 = 8u; // rows per invocation
var<workgroup> tileA: array<vec4<f32>, TILE_K * (WG_Y * 2u + 1u)>; // [TILE_K][WG_Y*8 rows + 4] as vec4
var<workgroup> tileW: array<vec4<f32>, TILE_K * WG_X * 2u>;        // [TILE_K][WG_X*8 columns] as vec4

// One invocation's tile: row r's columns 0..3 in lo<r>, 4..7 in hi<r>. Named fields,
// not an array indexed in a loop: such an array went to local memory on an H200
// (shaders/gemv_splitk.wgsl).
struct Tile {
  lo0: vec4<f32>, hi0: vec4<f32>, lo1: vec4<f32>, hi1: vec4<f32>,
  lo2: vec4<f32>, hi2: vec4<f32>, lo3: vec4<f32>, hi3: vec4<f32>,
  lo4: vec4<f32>, hi4: vec4<f32>, lo5: vec4<f32>, hi5: vec4<f32>,
  lo6: vec4<f32>, hi6: vec4<f32>, lo7: vec4<f32>, hi7: vec4<f32>,
}

// One k step of every output: rows 0..3's activations in a, rows 4..7's in b.
fn tile_step(c: ptr<function, Tile>, a: vec4<f32>, b: vec4<f32>, w: W8) {
  (*c).lo0 = fma(vec4(a.x), w.lo, (*c).lo0); (*c).hi0 = fma(vec4(a.x), w.hi, (*c).hi0);
  (*c).lo1 = fma(vec4(a.y), w.lo, (*c).lo1); (*c).hi1 = fma(vec4(a.y), w.hi, (*c).hi1);
  (*c).lo2 = fma(vec4(a.z), w.lo, (*c).lo2); (*c).hi2 = fma(vec4(a.z), w.hi, (*c).hi2);
  (*c).lo3 = fma(vec4(a.w), w.lo, (*c).lo3); (*c).hi3 = fma(vec4(a.w), w.hi, (*c).hi3);
  (*c).lo4 = fma(vec4(b.x), w.lo, (*c).lo4); (*c).hi4 = fma(vec4(b.x), w.hi, (*c).hi4);
  (*c).lo5 = fma(vec4(b.y), w.lo, (*c).lo5); (*c).hi5 = fma(vec4(b.y), w.hi, (*c).hi5);
  (*c).lo6 = fma(vec4(b.z), w.lo, (*c).lo6); (*c).hi6 = fma(vec4(b.z), w.hi, (*c).hi6);
  (*c).lo7 = fma(vec4(b.w), w.lo, (*c).lo7); (*c).hi7 = fma(vec4(b.w), w.hi, (*c).hi7);
}

// Step kk of the staged tiles for this invocation's rows (lid.y) and columns (lid.x).
fn tile_k(c: ptr<function, Tile>, kk: u32, aStride: u32, lid: vec2<u32>) {
  let ai = kk * aStride + 2u * lid.y;
  let wi = 2u * (kk * WG_X + lid.x);
  tile_step(c, tileA[ai], tileA[ai + 1u], W8(tileW[wi], tileW[wi + 1u]));
}

fn tile_add(t: Tile, c: Tile) -> Tile {
  return Tile(t.lo0 + c.lo0, t.hi0 + c.hi0, t.lo1 + c.lo1, t.hi1 + c.hi1,
              t.lo2 + c.lo2, t.hi2 + c.hi2, t.lo3 + c.lo3, t.hi3 + c.hi3,
              t.lo4 + c.lo4, t.hi4 + c.hi4, t.lo5 + c.lo5, t.hi5 + c.hi5,
              t.lo6 + c.lo6, t.hi6 + c.hi6, t.lo7 + c.lo7, t.hi7 + c.hi7);
}

fn tile_store(row0: u32, c8: u32, t: Tile) {
  if (row0 + 0u < p.M) { store8(row0 + 0u, c8, t.lo0, t.hi0); }
  if (row0 + 1u < p.M) { store8(row0 + 1u, c8, t.lo1, t.hi1); }
  if (row0 + 2u < p.M) { store8(row0 + 2u, c8, t.lo2, t.hi2); }
  if (row0 + 3u < p.M) { store8(row0 + 3u, c8, t.lo3, t.hi3); }
  if (row0 + 4u < p.M) { store8(row0 + 4u, c8, t.lo4, t.hi4); }
  if (row0 + 5u < p.M) { store8(row0 + 5u, c8, t.lo5, t.hi5); }
  if (row0 + 6u < p.M) { store8(row0 + 6u, c8, t.lo6, t.hi6); }
  if (row0 + 7u < p.M) { store8(row0 + 7u, c8, t.lo7, t.hi7); }
}

@compute @workgroup_size(WG_X, WG_Y)
fn gemm_tiled(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let tm = WG_Y * RT; // rows of the workgroup's tile
  let aStride = WG_Y * 2u + 1u; // vec4 per k in tileA
  let threads = WG_X * WG_Y;
  let flat = lid.y * WG_X + lid.x;
  let rowBase = wid.y * tm;
  let c8Base = wid.x * WG_X;
  let colBlocks = (p.N + 7u) / 8u;
  var acc: Tile; // this K chunk's chains
  var total: Tile; // the chunks so far, added in order
  for (var k0 = 0u; k0 < p.K; k0 += TILE_K) {
    // Stage a: tm x TILE_K values, k-major; zero outside the matrix. Neighbouring
    // invocations read neighbouring k of one row.
    for (var i = flat; i < tm * TILE_K; i += threads) {
      let r = i / TILE_K;
      let kk = i % TILE_K;
      let row = rowBase + r;
      let k = k0 + kk;
      tileA[kk * aStride + r / 4u][r % 4u] = select(0.0, a[min(row, p.M - 1u) * p.K + min(k, p.K - 1u)], row < p.M && k < p.K);
    }
    // Stage w: TILE_K rows x WG_X blocks of 8 columns.
    for (var i = flat; i < TILE_K * WG_X; i += threads) {
      let k = k0 + i / WG_X;
      let c8 = c8Base + i % WG_X;
      var v = W8(vec4(0.0), vec4(0.0));
      if (k < p.K && c8 < colBlocks) { v = load_w8(k, c8); }
      tileW[2u * i] = v.lo;
      tileW[2u * i + 1u] = v.hi;
    }
    workgroupBarrier();
    // Stop at K: no fma with padding, so the chain matches gemv. Whole tiles get a loop
    // whose trip count is a pipeline constant, so a GPU's compiler can unroll it.
    if (k0 + TILE_K <= p.K) {
      for (var kk = 0u; kk < TILE_K; kk++) { tile_k(&acc, kk, aStride, lid.xy); }
    } else {
      for (var kk = 0u; kk < p.K - k0; kk++) { tile_k(&acc, kk, aStride, lid.xy); }
    }
    // A chunk ends (kc is a multiple of TILE_K): the first chunk's sums are the total so
    // far, later ones are added to it, as gemv_reduce adds them.
    let kEnd = k0 + TILE_K;
    if (kEnd % p.kc == 0u || kEnd >= p.K) {
      if (k0 < p.kc) { total = acc; } else { total = tile_add(total, acc); }
      acc = Tile();
    }
    workgroupBarrier();
  }
  let c8 = c8Base + lid.x;
  if (c8 >= colBlocks) { return; }
  tile_store(rowBase + lid.y * RT, c8, total);
}
