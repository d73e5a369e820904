// GEMV for decode: out[B, N] = x[B, K] . w[K, N] for B = rows sequences, reading each
// weight once per group of up to 8 rows.
//
// x   f32 [rows, K].
// w   [K, Np] weights in the layout of gemm.wgsl (src/kernels/packing.ts), viewed as u32
//     words: f32 bits (Np per row) or f16 pairs (Np/2 per row, low half = even column).
// out f32 [rows, N].
// Uniforms (TS order): rows, K, N, rowWords (u32 per weight row).
//
// Thread -> outputs, the same as gemm_direct: invocation t is lane t % LANES of lane
// group g = t / LANES and owns 8 lane-interleaved columns (shaders/lane_columns.wgsl,
// appended to this file by src/kernels/gemv.ts) for each of up to 8 rows (workgroup y
// picks the group of 8 rows). Each invocation runs the whole K loop with
// 2 x B_MAX vec4 accumulators in named registers: no reduction across lanes, and
// SwiftShader neither unrolls loops nor keeps indexed arrays in registers, hence the
// hand-unrolled rows, each behind a compile-time B_MAX test. Real GPUs prefer split-K
// with a subgroup reduction; LANES is tunable meanwhile.
//
// Every output is one sequential fma chain over k = 0..K-1, the same as gemm.wgsl, so a
// row's bits never depend on B or on which kernel ran it.

struct Params { rows: u32, K: u32, N: u32, rowWords: u32 }

override W_F16: bool = false;
override B_MAX: u32 = 1;  // rows compiled in: 1, 2, 4 or 8
override LANES: u32 = 4;
override WG: u32 = 64;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> weight_words: array<u32>;

fn row_words() -> u32 { return p.rowWords; }

@group(0) @binding(3) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(WG)
fn gemv(@builtin(global_invocation_id) gid: vec3<u32>) {
  let lane = gid.x % LANES;
  let g = gid.x / LANES;
  let rb = gid.y * 8u; // first row of this row group
  let lc = lane_columns(lane, g);
  let base = lc.base;
  let cols = lc.cols;
  if (lc.first >= p.N || rb >= p.rows) { return; }
  let last = p.rows - 1u;
  let o0 = min(rb, last) * p.K;
  let o1 = min(rb + 1u, last) * p.K;
  let o2 = min(rb + 2u, last) * p.K;
  let o3 = min(rb + 3u, last) * p.K;
  let o4 = min(rb + 4u, last) * p.K;
  let o5 = min(rb + 5u, last) * p.K;
  let o6 = min(rb + 6u, last) * p.K;
  let o7 = min(rb + 7u, last) * p.K;
  var c00 = vec4(0.0); var c01 = vec4(0.0); var c10 = vec4(0.0); var c11 = vec4(0.0);
  var c20 = vec4(0.0); var c21 = vec4(0.0); var c30 = vec4(0.0); var c31 = vec4(0.0);
  var c40 = vec4(0.0); var c41 = vec4(0.0); var c50 = vec4(0.0); var c51 = vec4(0.0);
  var c60 = vec4(0.0); var c61 = vec4(0.0); var c70 = vec4(0.0); var c71 = vec4(0.0);
  for (var k = 0u; k < p.K; k++) {
    let wk = load_lane8(k, base);
    step8(x[o0 + k], wk, &c00, &c01);
    if (B_MAX > 1u) { step8(x[o1 + k], wk, &c10, &c11); }
    if (B_MAX > 2u) {
      step8(x[o2 + k], wk, &c20, &c21);
      step8(x[o3 + k], wk, &c30, &c31);
    }
    if (B_MAX > 4u) {
      step8(x[o4 + k], wk, &c40, &c41);
      step8(x[o5 + k], wk, &c50, &c51);
      step8(x[o6 + k], wk, &c60, &c61);
      step8(x[o7 + k], wk, &c70, &c71);
    }
  }
  store_lane8(rb, cols, c00, c01);
  if (B_MAX > 1u && rb + 1u < p.rows) { store_lane8(rb + 1u, cols, c10, c11); }
  if (B_MAX > 2u && rb + 2u < p.rows) { store_lane8(rb + 2u, cols, c20, c21); }
  if (B_MAX > 2u && rb + 3u < p.rows) { store_lane8(rb + 3u, cols, c30, c31); }
  if (B_MAX > 4u && rb + 4u < p.rows) { store_lane8(rb + 4u, cols, c40, c41); }
  if (B_MAX > 4u && rb + 5u < p.rows) { store_lane8(rb + 5u, cols, c50, c51); }
  if (B_MAX > 4u && rb + 6u < p.rows) { store_lane8(rb + 6u, cols, c60, c61); }
  if (B_MAX > 4u && rb + 7u < p.rows) { store_lane8(rb + 7u, cols, c70, c71); }
}
