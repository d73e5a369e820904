// GEMV for decode: out[B, N] = x[B, K] . w[K, N] for B = rows sequences, reading each
// weight once per group of up to 16 rows.
//
// x   f32 [rows, K].
// w   [K, Np] weights in the layout of gemm.wgsl (src/kernels/packing.ts), viewed as u32
//     words: f32 bits (Np per row) or f16 pairs (Np/2 per row, low half = even column).
// out f32 [rows, N].
// Uniforms (TS order): rows, K, N, rowWords (u32 per weight row).
//
// Thread -> outputs (one row under BLOCKS = 2: gemv_wide below): lane_matmul in
// shaders/lane_matmul.wgsl (appended to this file by src/kernels/gemv.ts, with
// act_plain.wgsl or act_subgroup.wgsl), the same code as
// gemm_direct: each invocation owns 8 lane-interleaved columns for up to ROWS rows
// and runs the whole K loop with no reduction across lanes: right where cores are few
// (SwiftShader). GPUs with many cores get shaders/gemv_splitk.wgsl instead
// (src/gpu/tuning.ts).
//
// Every output is one sequential fma chain over k = 0..K-1, the same as gemm.wgsl, so a
// row's bits never depend on B or on which kernel ran it.

struct Params { rows: u32, K: u32, N: u32, rowWords: u32 }

override W_F16: bool = false;
override ROWS: u32 = 1;  // rows compiled in: 1, 2, 4, 8 or 16
override LANES: u32 = 4;
override WG: u32 = 64;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> weight_words: array<u32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

fn row_words() -> u32 { return p.rowWords; }
fn act(i: u32) -> f32 { return x[i]; }

@compute @workgroup_size(WG)
fn gemv(@builtin(global_invocation_id) gid: vec3<u32>) {
  if (BLOCKS == 2u) { gemv_wide(gid); } else { lane_matmul(gid, p.rows); }
}

// The one-row GEMV with two 8-column blocks per lane (BLOCKS = 2, ROWS = 1): 16 weight
// loads per activation load instead of 8. On SwiftShader every load is a gather that
// costs the same however few bytes it brings, so the activation load was a ninth of
// the loop's loads. At 4096^2 it measured 6-16% faster than lane_matmul's one-row loop
// in four round-robin runs out of five; on narrower or longer matrices it is within 5%
// (more blocks spill the accumulators, and unrolling k made it slower). Same fma chain
// per output as lane_matmul, so the bits do not change.
fn gemv_wide(gid: vec3<u32>) {
  let lc = lane_columns(gid.x % LANES, gid.x / LANES);
  let b1 = lc.base + block_words();
  var c0 = vec4(0.0); var c1 = vec4(0.0); var c2 = vec4(0.0); var c3 = vec4(0.0);
  for (var k = 0u; k < p.K; k++) {
    let a = act(k);
    step8(a, load_lane8(k, lc.base), &c0, &c1);
    step8(a, load_lane8(k, b1), &c2, &c3);
  }
  if (lc.first >= p.N) { return; }
  store_lane8(0u, lc.cols, 0u, c0, c1);
  store_lane8(0u, lc.cols, block_columns(), c2, c3);
}
