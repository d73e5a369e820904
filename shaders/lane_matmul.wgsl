// The direct matmul, appended after shaders/lane_columns.wgsl by src/kernels/lane-matmul.ts
// for gemv.wgsl and gemm.wgsl (gemm_direct). Besides lane_columns.wgsl's needs, the
// including kernel declares override ROWS, `fn act(i: u32) -> f32` (activation i) and a
// field K in `p`; one of shaders/act_plain.wgsl or shaders/act_subgroup.wgsl (act4) is
// appended after this file.

struct W8x4 { k0: W8, k1: W8, k2: W8, k3: W8 }

// One output row takes four k steps, in order: the chain is the same as four step8 calls.
fn row_block(a: vec4<f32>, w: W8x4, c0: ptr<function, vec4<f32>>, c1: ptr<function, vec4<f32>>) {
  step8(a.x, w.k0, c0, c1);
  step8(a.y, w.k1, c0, c1);
  step8(a.z, w.k2, c0, c1);
  step8(a.w, w.k3, c0, c1);
}

// The direct matmul both gemv.wgsl and gemm.wgsl (gemm_direct) run: out[rows, N] =
// act[rows, K] . w[K, N]. Invocation gid.x is lane gid.x % LANES of lane group
// gid.x / LANES and owns that group's 8 lane-interleaved columns for ROWS rows (compiled
// in: 1, 2, 4, 8 or 16) starting at gid.y * ROWS: 2 x ROWS vec4 accumulators in named
// registers, hand-unrolled behind compile-time ROWS tests because SwiftShader neither
// unrolls loops nor keeps indexed arrays in registers. K goes in blocks of four: the
// weights of four k rows are loaded once for all rows, and act4 gives each row its four
// activations (one load per lane and a subgroup exchange where the adapter has
// subgroups, else four loads). No invocation returns early and rows or columns past the
// end compute on clamped indices without being stored, so every lane of a subgroup
// takes part in act4's exchange. One block of 8 columns per lane (BLOCKS = 1).
fn lane_matmul(gid: vec3<u32>, rows: u32) {
  let lane = gid.x % LANES;
  let lc = lane_columns(lane, gid.x / LANES);
  let base = lc.base;
  let rb = gid.y * ROWS;
  let last = rows - 1u;
  let o0 = min(rb, last) * p.K;
  let o1 = min(rb + 1u, last) * p.K;
  let o2 = min(rb + 2u, last) * p.K;
  let o3 = min(rb + 3u, last) * p.K;
  let o4 = min(rb + 4u, last) * p.K;
  let o5 = min(rb + 5u, last) * p.K;
  let o6 = min(rb + 6u, last) * p.K;
  let o7 = min(rb + 7u, last) * p.K;
  let o8 = min(rb + 8u, last) * p.K;
  let o9 = min(rb + 9u, last) * p.K;
  let o10 = min(rb + 10u, last) * p.K;
  let o11 = min(rb + 11u, last) * p.K;
  let o12 = min(rb + 12u, last) * p.K;
  let o13 = min(rb + 13u, last) * p.K;
  let o14 = min(rb + 14u, last) * p.K;
  let o15 = min(rb + 15u, last) * p.K;
  var c00 = vec4(0.0); var c01 = vec4(0.0); var c10 = vec4(0.0); var c11 = vec4(0.0);
  var c20 = vec4(0.0); var c21 = vec4(0.0); var c30 = vec4(0.0); var c31 = vec4(0.0);
  var c40 = vec4(0.0); var c41 = vec4(0.0); var c50 = vec4(0.0); var c51 = vec4(0.0);
  var c60 = vec4(0.0); var c61 = vec4(0.0); var c70 = vec4(0.0); var c71 = vec4(0.0);
  var c80 = vec4(0.0); var c81 = vec4(0.0); var c90 = vec4(0.0); var c91 = vec4(0.0);
  var cA0 = vec4(0.0); var cA1 = vec4(0.0); var cB0 = vec4(0.0); var cB1 = vec4(0.0);
  var cC0 = vec4(0.0); var cC1 = vec4(0.0); var cD0 = vec4(0.0); var cD1 = vec4(0.0);
  var cE0 = vec4(0.0); var cE1 = vec4(0.0); var cF0 = vec4(0.0); var cF1 = vec4(0.0);
  // One row has no activation to share, and its plain k loop measured faster here.
  let kb = select(p.K & ~3u, 0u, ROWS == 1u);
  let sub = gid.x & 3u; // this invocation's load in act4's exchange
  for (var k = 0u; k < kb; k += 4u) {
    let w = W8x4(load_lane8(k, base), load_lane8(k + 1u, base), load_lane8(k + 2u, base), load_lane8(k + 3u, base));
    row_block(act4(o0 + k, sub), w, &c00, &c01);
    if (ROWS > 1u) { row_block(act4(o1 + k, sub), w, &c10, &c11); }
    if (ROWS > 2u) {
      row_block(act4(o2 + k, sub), w, &c20, &c21);
      row_block(act4(o3 + k, sub), w, &c30, &c31);
    }
    if (ROWS > 4u) {
      row_block(act4(o4 + k, sub), w, &c40, &c41);
      row_block(act4(o5 + k, sub), w, &c50, &c51);
      row_block(act4(o6 + k, sub), w, &c60, &c61);
      row_block(act4(o7 + k, sub), w, &c70, &c71);
    }
    if (ROWS > 8u) {
      row_block(act4(o8 + k, sub), w, &c80, &c81);
      row_block(act4(o9 + k, sub), w, &c90, &c91);
      row_block(act4(o10 + k, sub), w, &cA0, &cA1);
      row_block(act4(o11 + k, sub), w, &cB0, &cB1);
      row_block(act4(o12 + k, sub), w, &cC0, &cC1);
      row_block(act4(o13 + k, sub), w, &cD0, &cD1);
      row_block(act4(o14 + k, sub), w, &cE0, &cE1);
      row_block(act4(o15 + k, sub), w, &cF0, &cF1);
    }
  }
  for (var k = kb; k < p.K; k++) { // the last K % 4 steps (every step for one row), one at a time
    let wk = load_lane8(k, base);
    step8(act(o0 + k), wk, &c00, &c01);
    if (ROWS > 1u) { step8(act(o1 + k), wk, &c10, &c11); }
    if (ROWS > 2u) {
      step8(act(o2 + k), wk, &c20, &c21);
      step8(act(o3 + k), wk, &c30, &c31);
    }
    if (ROWS > 4u) {
      step8(act(o4 + k), wk, &c40, &c41);
      step8(act(o5 + k), wk, &c50, &c51);
      step8(act(o6 + k), wk, &c60, &c61);
      step8(act(o7 + k), wk, &c70, &c71);
    }
    if (ROWS > 8u) {
      step8(act(o8 + k), wk, &c80, &c81);
      step8(act(o9 + k), wk, &c90, &c91);
      step8(act(o10 + k), wk, &cA0, &cA1);
      step8(act(o11 + k), wk, &cB0, &cB1);
      step8(act(o12 + k), wk, &cC0, &cC1);
      step8(act(o13 + k), wk, &cD0, &cD1);
      step8(act(o14 + k), wk, &cE0, &cE1);
      step8(act(o15 + k), wk, &cF0, &cF1);
    }
  }
  if (lc.first >= p.N) { return; }
  let cols = lc.cols;
  store_row(rb, rows, cols, c00, c01);
  if (ROWS > 1u) { store_row(rb + 1u, rows, cols, c10, c11); }
  if (ROWS > 2u) {
    store_row(rb + 2u, rows, cols, c20, c21);
    store_row(rb + 3u, rows, cols, c30, c31);
  }
  if (ROWS > 4u) {
    store_row(rb + 4u, rows, cols, c40, c41);
    store_row(rb + 5u, rows, cols, c50, c51);
    store_row(rb + 6u, rows, cols, c60, c61);
    store_row(rb + 7u, rows, cols, c70, c71);
  }
  if (ROWS > 8u) {
    store_row(rb + 8u, rows, cols, c80, c81);
    store_row(rb + 9u, rows, cols, c90, c91);
    store_row(rb + 10u, rows, cols, cA0, cA1);
    store_row(rb + 11u, rows, cols, cB0, cB1);
    store_row(rb + 12u, rows, cols, cC0, cC1);
    store_row(rb + 13u, rows, cols, cD0, cD1);
    store_row(rb + 14u, rows, cols, cE0, cE1);
    store_row(rb + 15u, rows, cols, cF0, cF1);
  }
}

fn store_row(row: u32, rows: u32, cols: array<u32, 8>, v0: vec4<f32>, v1: vec4<f32>) {
  if (row < rows) { store_lane8(row, cols, 0u, v0, v1); }
}
