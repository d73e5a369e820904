// The direct matmul, appended after shaders/lane_columns.wgsl by src/kernels/lane-matmul.ts
// for gemv.wgsl (the GEMV) and gemm.wgsl (gemm_direct). Besides lane_columns.wgsl's needs,
// the including kernel declares override ROWS, `fn act(i: u32) -> f32` (activation i) and
// a field K in `p`; one of shaders/act_plain.wgsl or shaders/act_subgroup.wgsl (act4,
// act2x4 and act2x4_rows) is appended after this file.
//
// out[rows, N] = act[rows, K] . w[K, N]. Invocation gid.x is lane gid.x % LANES of lane
// group gid.x / LANES and owns its BLOCKS octets of 8 columns (shaders/lane_columns.wgsl)
// for ROWS rows starting at gid.y * ROWS. ROWS (1, 2, 4, 8, 16 or 32) and BLOCKS (1 or
// 2) are compiled in: the accumulators are named variables,
// one Row per row, hand-unrolled behind compile-time tests, because SwiftShader neither
// unrolls loops nor keeps an indexed array anywhere but in memory it reaches by gathers.
//
// On SwiftShader every weight or activation load is a gather that costs several fmas, so
// the tile is as large as pays: per k step an invocation makes BLOCKS octet loads (two
// vec4 each in f32, one in f16) and ROWS / 4 activation loads (act4: one per lane,
// shared across the subgroup) for 8 x BLOCKS x ROWS fmas. The GEMV takes its row bucket's
// blocks (src/kernels/kernel-set.ts, gemv.blocks); prefill's gemm_direct takes 32 rows x 2
// blocks (gemm.directRows, gemm.directBlocks): the accumulators then live on the stack, but
// a stack access costs far less than a gather (docs/results.md, "Kernel shapes per adapter").
//
// Every output is one sequential fma chain over k = 0..K-1 whatever ROWS and BLOCKS are,
// so a row's bits never depend on the tile, on B, or on GEMV versus GEMM. At two and four
// rows of f32 weights K goes two steps at a time (act2x4 gives every row its two
// activations), otherwise in blocks of four (act4): the weights of those k rows are
// loaded once for all rows. No invocation returns early and rows or columns past the end compute on
// clamped indices without being stored, so every lane of a subgroup takes part in the
// exchange.

struct W8x4 { k0: W8, k1: W8, k2: W8, k3: W8 }

// Activations of two k steps (k0, then k1) for four rows (x .. w), from act2x4.
struct Act2x4 { k0: vec4<f32>, k1: vec4<f32> }

// One row's accumulators: block 0's 8 columns (lo, hi), then block 1's (BLOCKS = 2).
struct Row { lo0: vec4<f32>, hi0: vec4<f32>, lo1: vec4<f32>, hi1: vec4<f32> }

// Weights of rows k .. k+3 of octet c8. Rows past K up to a
// multiple of four are stored, as zeros (src/kernels/packing.ts, paddedRows), so the last
// block reads them without a bounds test (docs/results.md, "Lane matmul loads").
fn load_w8x4(k: u32, c8: u32) -> W8x4 {
  return W8x4(load_w8(k, c8), load_w8(k + 1u, c8), load_w8(k + 2u, c8), load_w8(k + 3u, c8));
}

// One k step of one row: activation a times block 0's weights w (and block 1's v).
// The weights come first in each fma (the same bits: a product does not depend on its
// operands' order). SwiftShader's JIT copies an fma's first operand into the register it
// multiplies in; with the activation first, that copy of a value used by 16 fmas was
// reloaded and stored back to its stack slot before every one of them (`npm run
// jit-count -- --asm`; docs/results.md, "Lane matmul loads").
fn step_row(a: f32, w: W8, v: W8, c: ptr<function, Row>) {
  (*c).lo0 = fma(w.lo, vec4(a), (*c).lo0);
  (*c).hi0 = fma(w.hi, vec4(a), (*c).hi0);
  if (BLOCKS == 2u) {
    (*c).lo1 = fma(v.lo, vec4(a), (*c).lo1);
    (*c).hi1 = fma(v.hi, vec4(a), (*c).hi1);
  }
}

// Four k steps of one row, in order: the same chain as four step_row calls.
fn quad_row(a: vec4<f32>, w: W8x4, v: W8x4, c: ptr<function, Row>) {
  step_row(a.x, w.k0, v.k0, c);
  step_row(a.y, w.k1, v.k1, c);
  step_row(a.z, w.k2, v.k2, c);
  step_row(a.w, w.k3, v.k3, c);
}

// Two k steps of one row, in order: activations a (step k) and b (step k + 1).
fn pair_row(a: f32, b: f32, w0: W8, w1: W8, v0: W8, v1: W8, c: ptr<function, Row>) {
  step_row(a, w0, v0, c);
  step_row(b, w1, v1, c);
}

fn store_row(row: u32, rows: u32, base0: u32, base1: u32, c: Row) {
  if (row >= rows) { return; }
  store8(row, base0, c.lo0, c.hi0);
  if (BLOCKS == 2u) { store8(row, base1, c.lo1, c.hi1); }
}

fn lane_matmul(gid: vec3<u32>, rows: u32) {
  let lc = lane_columns(gid.x % LANES, gid.x / LANES);
  let base0 = lc.c8; // octets
  let base1 = lc.c8 + LANES;
  let rb = gid.y * ROWS;
  let last = rows - 1u;
  // Where each row's activations start (rows past the last repeat it, never stored).
  let o0 = min(rb + 0u, last) * p.K; let o1 = min(rb + 1u, last) * p.K;
  let o2 = min(rb + 2u, last) * p.K; let o3 = min(rb + 3u, last) * p.K;
  let o4 = min(rb + 4u, last) * p.K; let o5 = min(rb + 5u, last) * p.K;
  let o6 = min(rb + 6u, last) * p.K; let o7 = min(rb + 7u, last) * p.K;
  let o8 = min(rb + 8u, last) * p.K; let o9 = min(rb + 9u, last) * p.K;
  let o10 = min(rb + 10u, last) * p.K; let o11 = min(rb + 11u, last) * p.K;
  let o12 = min(rb + 12u, last) * p.K; let o13 = min(rb + 13u, last) * p.K;
  let o14 = min(rb + 14u, last) * p.K; let o15 = min(rb + 15u, last) * p.K;
  let o16 = min(rb + 16u, last) * p.K; let o17 = min(rb + 17u, last) * p.K;
  let o18 = min(rb + 18u, last) * p.K; let o19 = min(rb + 19u, last) * p.K;
  let o20 = min(rb + 20u, last) * p.K; let o21 = min(rb + 21u, last) * p.K;
  let o22 = min(rb + 22u, last) * p.K; let o23 = min(rb + 23u, last) * p.K;
  let o24 = min(rb + 24u, last) * p.K; let o25 = min(rb + 25u, last) * p.K;
  let o26 = min(rb + 26u, last) * p.K; let o27 = min(rb + 27u, last) * p.K;
  let o28 = min(rb + 28u, last) * p.K; let o29 = min(rb + 29u, last) * p.K;
  let o30 = min(rb + 30u, last) * p.K; let o31 = min(rb + 31u, last) * p.K;
  var c0: Row; var c1: Row; var c2: Row; var c3: Row;
  var c4: Row; var c5: Row; var c6: Row; var c7: Row;
  var c8: Row; var c9: Row; var c10: Row; var c11: Row;
  var c12: Row; var c13: Row; var c14: Row; var c15: Row;
  var c16: Row; var c17: Row; var c18: Row; var c19: Row;
  var c20: Row; var c21: Row; var c22: Row; var c23: Row;
  var c24: Row; var c25: Row; var c26: Row; var c27: Row;
  var c28: Row; var c29: Row; var c30: Row; var c31: Row;
  if ((ROWS == 2u || ROWS == 4u) && !W_F16) {
    // Two and four rows of f32 weights: K two steps at a time, each row's two activations
    // shared across the subgroup (act2x4). The four-step loop below, written out for two or
    // four rows, is past the CPU's op cache on SwiftShader and runs at a fraction of the
    // instructions per cycle; this one is smaller and faster in f32 (f16, with half the
    // weight loads, takes the four-step loop; docs/results.md, "Lane matmul loops"). A zero
    // padded weight row and a zero activation (act2x4) make an odd K's last step leave every
    // sum as it was, as in the four-step loop.
    let r = act2x4_rows(vec4(o0, o1, o2, o3), gid.x & 3u); // this invocation's loads in act2x4's exchange
    var v0 = W8(); // block 1's weights: zero and unused under BLOCKS = 1
    var v1 = W8();
    for (var k = 0u; k < p.K; k += 2u) {
      let w0 = load_w8(k, base0);
      let w1 = load_w8(k + 1u, base0);
      if (BLOCKS == 2u) {
        v0 = load_w8(k, base1);
        v1 = load_w8(k + 1u, base1);
      }
      let a = act2x4(r, k, p.K - k);
      pair_row(a.k0.x, a.k1.x, w0, w1, v0, v1, &c0);
      pair_row(a.k0.y, a.k1.y, w0, w1, v0, v1, &c1);
      if (ROWS > 2u) {
        pair_row(a.k0.z, a.k1.z, w0, w1, v0, v1, &c2);
        pair_row(a.k0.w, a.k1.w, w0, w1, v0, v1, &c3);
      }
    }
  } else {
    // One row, two and four of f16 weights, and eight rows or more: K in blocks of four,
    // each block's weight rows loaded together at its top. A lane group's weights of one k
    // lie a whole weight row from the last k's (8 or 16 KiB at 4096 columns), so every k
    // step starts on lines the CPU has not fetched ahead; loaded four rows at a time, their
    // misses overlap (docs/results.md, "Lane matmul loops"). It also shares the row's
    // activations across the subgroup (act4).
    // When K % 4 != 0 the last block's missing steps multiply zero activations (act4) by
    // the zero rows packing adds past K, which leaves every sum's bits as they were: the
    // sum is c + 0 = c, since a chain that starts at +0 never holds -0. So every row still
    // gets the same chain, and no second copy of the rows' code is compiled for a tail
    // (SwiftShader's JIT time grows faster than the code).
    let sub = gid.x & 3u; // this invocation's load in act4's exchange
    var v = W8x4(); // block 1's weights: zero and unused under BLOCKS = 1
    for (var k = 0u; k < p.K; k += 4u) {
      let n = p.K - k; // steps left (a whole block from 4)
      let w = load_w8x4(k, base0);
      if (BLOCKS == 2u) { v = load_w8x4(k, base1); }
      quad_row(act4(o0 + k, sub, n), w, v, &c0);
      if (ROWS > 1u) {
        quad_row(act4(o1 + k, sub, n), w, v, &c1);
      }
      if (ROWS > 2u) {
        quad_row(act4(o2 + k, sub, n), w, v, &c2);
        quad_row(act4(o3 + k, sub, n), w, v, &c3);
      }
      if (ROWS > 4u) {
        quad_row(act4(o4 + k, sub, n), w, v, &c4);
        quad_row(act4(o5 + k, sub, n), w, v, &c5);
        quad_row(act4(o6 + k, sub, n), w, v, &c6);
        quad_row(act4(o7 + k, sub, n), w, v, &c7);
      }
      if (ROWS > 8u) {
        quad_row(act4(o8 + k, sub, n), w, v, &c8);
        quad_row(act4(o9 + k, sub, n), w, v, &c9);
        quad_row(act4(o10 + k, sub, n), w, v, &c10);
        quad_row(act4(o11 + k, sub, n), w, v, &c11);
        quad_row(act4(o12 + k, sub, n), w, v, &c12);
        quad_row(act4(o13 + k, sub, n), w, v, &c13);
        quad_row(act4(o14 + k, sub, n), w, v, &c14);
        quad_row(act4(o15 + k, sub, n), w, v, &c15);
      }
      if (ROWS > 16u) {
        quad_row(act4(o16 + k, sub, n), w, v, &c16);
        quad_row(act4(o17 + k, sub, n), w, v, &c17);
        quad_row(act4(o18 + k, sub, n), w, v, &c18);
        quad_row(act4(o19 + k, sub, n), w, v, &c19);
        quad_row(act4(o20 + k, sub, n), w, v, &c20);
        quad_row(act4(o21 + k, sub, n), w, v, &c21);
        quad_row(act4(o22 + k, sub, n), w, v, &c22);
        quad_row(act4(o23 + k, sub, n), w, v, &c23);
        quad_row(act4(o24 + k, sub, n), w, v, &c24);
        quad_row(act4(o25 + k, sub, n), w, v, &c25);
        quad_row(act4(o26 + k, sub, n), w, v, &c26);
        quad_row(act4(o27 + k, sub, n), w, v, &c27);
        quad_row(act4(o28 + k, sub, n), w, v, &c28);
        quad_row(act4(o29 + k, sub, n), w, v, &c29);
        quad_row(act4(o30 + k, sub, n), w, v, &c30);
        quad_row(act4(o31 + k, sub, n), w, v, &c31);
      }
    }
  }
  if (lc.first >= p.N) { return; }
  store_row(rb + 0u, rows, base0, base1, c0);
  if (ROWS > 1u) {
    store_row(rb + 1u, rows, base0, base1, c1);
  }
  if (ROWS > 2u) {
    store_row(rb + 2u, rows, base0, base1, c2);
    store_row(rb + 3u, rows, base0, base1, c3);
  }
  if (ROWS > 4u) {
    store_row(rb + 4u, rows, base0, base1, c4);
    store_row(rb + 5u, rows, base0, base1, c5);
    store_row(rb + 6u, rows, base0, base1, c6);
    store_row(rb + 7u, rows, base0, base1, c7);
  }
  if (ROWS > 8u) {
    store_row(rb + 8u, rows, base0, base1, c8);
    store_row(rb + 9u, rows, base0, base1, c9);
    store_row(rb + 10u, rows, base0, base1, c10);
    store_row(rb + 11u, rows, base0, base1, c11);
    store_row(rb + 12u, rows, base0, base1, c12);
    store_row(rb + 13u, rows, base0, base1, c13);
    store_row(rb + 14u, rows, base0, base1, c14);
    store_row(rb + 15u, rows, base0, base1, c15);
  }
  if (ROWS > 16u) {
    store_row(rb + 16u, rows, base0, base1, c16);
    store_row(rb + 17u, rows, base0, base1, c17);
    store_row(rb + 18u, rows, base0, base1, c18);
    store_row(rb + 19u, rows, base0, base1, c19);
    store_row(rb + 20u, rows, base0, base1, c20);
    store_row(rb + 21u, rows, base0, base1, c21);
    store_row(rb + 22u, rows, base0, base1, c22);
    store_row(rb + 23u, rows, base0, base1, c23);
    store_row(rb + 24u, rows, base0, base1, c24);
    store_row(rb + 25u, rows, base0, base1, c25);
    store_row(rb + 26u, rows, base0, base1, c26);
    store_row(rb + 27u, rows, base0, base1, c27);
    store_row(rb + 28u, rows, base0, base1, c28);
    store_row(rb + 29u, rows, base0, base1, c29);
    store_row(rb + 30u, rows, base0, base1, c30);
    store_row(rb + 31u, rows, base0, base1, c31);
  }
}
