// GEMM for prefill: out[M, N] = a[M, K] . w[K, N].
//
// a   f32 [M, K], row-major activations.
// w   [Kp, Np] weights, input-major, Np = N rounded up to 8, Kp = K rounded up to 4
//     (padding is zero). Viewed as vec4<u32>: with W_F16 = false a row is Np/4 vec4 of
//     f32 bits; with W_F16 = true it is Np/8 vec4 of f16 pairs (low half = even column),
//     unpacked to f32 here.
// out f32 [M, N].
// Uniforms (TS order): M, K, N, rowVec4 (vec4<u32> per weight row), kc.
//
// Every output is summed in the matrix's K chunks (src/kernels/k-chunks.ts): one
// sequential fma chain over each chunk of kc rows of k, the chunks' sums then added
// in order, whatever the tile shape or M. The GEMV of the same adapter sums the same
// way (one chunk, kc = K: lane_matmul; several: gemv_splitk.wgsl), so prefill and
// decode rows give the same bits and a row's result never depends on which rows
// share the step. gemm_direct is lane_matmul and takes one chunk only.
//
// Two entry points, chosen per adapter (src/gpu/tuning.ts):
//   gemm_direct  each invocation owns ROWS rows x BLOCKS blocks of 8 lane-interleaved
//                columns, read straight from storage (w viewed as array<u32>); fastest on
//                SwiftShader, where barriers are context switches (1D workgroups of WG_X);
//   gemm_tiled   a workgroup stages a (WG_Y*4) x TILE_K tile of a and a TILE_K x (WG_X*8)
//                tile of w in workgroup memory; each invocation owns 4 rows x 8 columns.

struct Params { M: u32, K: u32, N: u32, rowVec4: u32, kc: u32, _p0: u32, _p1: u32, _p2: u32 }

override W_F16: bool = false;
override WG_X: u32 = 8;
override WG_Y: u32 = 8;
override TILE_K: u32 = 16;
override LANES: u32 = 4; // gemm_direct: neighbouring invocations that read neighbouring words
override ROWS: u32 = 32; // gemm_direct: rows per invocation (BLOCKS, its column blocks, is lane_columns.wgsl's)

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<vec4<u32>>; // gemm_tiled's view
@group(0) @binding(2) var<storage, read> weight_words: array<u32>; // gemm_direct's view (no entry point uses both)
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

// Columns 8*c8 .. 8*c8+7 of weight row k.
fn load_w8(k: u32, c8: u32) -> W8 {
  if (W_F16) {
    let u = w[k * p.rowVec4 + c8];
    // Each u32 holds two adjacent columns, so unpacking in order needs no shuffle.
    return W8(vec4(unpack2x16float(u.x), unpack2x16float(u.y)), vec4(unpack2x16float(u.z), unpack2x16float(u.w)));
  }
  let i = k * p.rowVec4 + 2u * c8;
  return W8(bitcast<vec4<f32>>(w[i]), bitcast<vec4<f32>>(w[i + 1u]));
}

fn store8(row: u32, c8: u32, v0: vec4<f32>, v1: vec4<f32>) {
  let col = c8 * 8u;
  let o = row * p.N + col;
  for (var j = 0u; j < 4u; j++) {
    if (col + j < p.N) { out[o + j] = v0[j]; }
    if (col + 4u + j < p.N) { out[o + 4u + j] = v1[j]; }
  }
}

fn row_words() -> u32 { return p.rowVec4 * 4u; }
fn act(i: u32) -> f32 { return a[i]; }

// gemm_direct: lane_matmul (shaders/lane_matmul.wgsl, appended to this file by
// src/kernels/gemm.ts), the GEMV's own code with more rows: each invocation owns ROWS rows
// x BLOCKS blocks of 8 lane-interleaved columns read straight from storage (32 x 2 on
// SwiftShader: src/gpu/tuning.ts, gemm.directRows and gemm.directBlocks).
// Workgroup x walks the row groups and y the column blocks, so the workgroups an adapter
// runs one after another share their weight columns while those are still in cache.
@compute @workgroup_size(WG_X)
fn gemm_direct(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  lane_matmul(vec3(wid.y * WG_X + lid.x, wid.x, 0u), p.M);
}

const RT: u32 = 4u; // rows per invocation, tiled variant
var<workgroup> tileA: array<f32, WG_Y * RT * TILE_K>;          // [WG_Y*RT, TILE_K]
var<workgroup> tileW: array<vec4<f32>, TILE_K * WG_X * 2u>;    // [TILE_K, WG_X*8] as vec4

@compute @workgroup_size(WG_X, WG_Y)
fn gemm_tiled(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let tm = WG_Y * RT;
  let threads = WG_X * WG_Y;
  let flat = lid.y * WG_X + lid.x;
  let rowBase = wid.y * tm;
  let c8Base = wid.x * WG_X;
  let colBlocks = (p.N + 7u) / 8u;
  var acc: array<vec4<f32>, 8>; // RT rows x 2 vec4: this K chunk's chains
  var total: array<vec4<f32>, 8>; // the chunks so far, added in order
  for (var k0 = 0u; k0 < p.K; k0 += TILE_K) {
    // Stage a: tm x TILE_K values; zero outside the matrix.
    for (var i = flat; i < tm * TILE_K; i += threads) {
      let r = rowBase + i / TILE_K;
      let k = k0 + i % TILE_K;
      tileA[i] = select(0.0, a[min(r, p.M - 1u) * p.K + min(k, p.K - 1u)], r < p.M && k < p.K);
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
    let kn = min(TILE_K, p.K - k0); // stop at K: no fma with padding, so the chain matches gemv
    for (var kk = 0u; kk < kn; kk++) {
      let w0 = tileW[2u * (kk * WG_X + lid.x)];
      let w1 = tileW[2u * (kk * WG_X + lid.x) + 1u];
      for (var r = 0u; r < RT; r++) {
        let av = vec4(tileA[(lid.y * RT + r) * TILE_K + kk]);
        acc[2u * r] = fma(av, w0, acc[2u * r]);
        acc[2u * r + 1u] = fma(av, w1, acc[2u * r + 1u]);
      }
    }
    // A chunk ends (kc is a multiple of TILE_K): the first chunk's sums are the total so
    // far, later ones are added to it, as gemv_reduce adds them.
    let kEnd = k0 + TILE_K;
    if (kEnd % p.kc == 0u || kEnd >= p.K) {
      for (var i = 0u; i < 8u; i++) {
        total[i] = select(total[i] + acc[i], acc[i], k0 < p.kc);
        acc[i] = vec4(0.0);
      }
    }
    workgroupBarrier();
  }
  let c8 = c8Base + lid.x;
  if (c8 >= colBlocks) { return; }
  for (var r = 0u; r < RT; r++) {
    let row = rowBase + lid.y * RT + r;
    if (row < p.M) { store8(row, c8, total[2u * r], total[2u * r + 1u]); }
  }
}
