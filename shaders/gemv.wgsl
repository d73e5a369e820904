// GEMV for decode: out[B, N] = x[B, K] . w[K, N] for B = rows sequences, reading each
// weight once per group of up to 8 rows.
//
// x   f32 [rows, K] (also bound as vec4 at binding 4, used when K % 4 == 0).
// w   [K, Np] weights in the layout of gemm.wgsl (src/kernels/packing.ts), viewed as
//     vec4<u32>: f32 bits (Np/4 per row) or f16 pairs (Np/8 per row).
// out f32 [rows, N].
// Uniforms (TS order): rows, K, N, rowVec4 (vec4<u32> per weight row).
//
// Thread -> outputs: invocation t is lane t % LANES of lane group t / LANES and owns 8
// columns for each of up to 8 rows (workgroup y picks the group of 8 rows).
//   f32: the vec4 columns at vec4 index g*2*LANES + lane and g*2*LANES + LANES + lane,
//        so at each k the LANES neighbours read 2 x LANES contiguous vec4;
//   f16: the vec4<u32> at g*LANES + lane (8 contiguous columns); neighbours contiguous.
// Each invocation runs the whole K loop with 2 x B_MAX vec4 accumulators in named
// registers: no reduction across lanes, which SwiftShader rewards (it runs a 4-lane
// subgroup as one CPU SIMD context and neither unrolls loops nor keeps indexed arrays
// in registers, hence the hand-unrolled rows, each behind a compile-time B_MAX test).
// Real GPUs prefer split-K with a subgroup reduction; LANES is tunable meanwhile.
//
// Every output is one sequential fma chain over k = 0..K-1, the same as gemm.wgsl, so a
// row's bits never depend on B or on which kernel ran it.

struct Params { rows: u32, K: u32, N: u32, rowVec4: u32 }

override W_F16: bool = false;
override B_MAX: u32 = 1;  // rows compiled in: 1, 2, 4 or 8
override LANES: u32 = 4;
override WG: u32 = 64;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(4) var<storage, read> x4: array<vec4<f32>>;

struct W8 { lo: vec4<f32>, hi: vec4<f32> }

// This invocation's 8 weights of row k; i0/i1 are its vec4 indices within a row.
fn load_w8(k: u32, i0: u32, i1: u32) -> W8 {
  let row = k * p.rowVec4;
  if (W_F16) {
    let u = w[row + i0];
    // Each u32 holds two adjacent columns, so unpacking in order needs no shuffle.
    return W8(vec4(unpack2x16float(u.x), unpack2x16float(u.y)), vec4(unpack2x16float(u.z), unpack2x16float(u.w)));
  }
  return W8(bitcast<vec4<f32>>(w[row + i0]), bitcast<vec4<f32>>(w[row + i1]));
}

fn step8(xv: f32, wk: W8, c0: ptr<function, vec4<f32>>, c1: ptr<function, vec4<f32>>) {
  *c0 = fma(vec4(xv), wk.lo, *c0);
  *c1 = fma(vec4(xv), wk.hi, *c1);
}

fn step8x4(xv: vec4<f32>, w0: W8, w1: W8, w2: W8, w3: W8, c0: ptr<function, vec4<f32>>, c1: ptr<function, vec4<f32>>) {
  step8(xv.x, w0, c0, c1);
  step8(xv.y, w1, c0, c1);
  step8(xv.z, w2, c0, c1);
  step8(xv.w, w3, c0, c1);
}

fn store_row(row: u32, col0: u32, col1: u32, v0: vec4<f32>, v1: vec4<f32>) {
  let o = row * p.N;
  for (var j = 0u; j < 4u; j++) {
    if (col0 + j < p.N) { out[o + col0 + j] = v0[j]; }
    if (col1 + j < p.N) { out[o + col1 + j] = v1[j]; }
  }
}

@compute @workgroup_size(WG)
fn gemv(@builtin(global_invocation_id) gid: vec3<u32>) {
  let lane = gid.x % LANES;
  let g = gid.x / LANES;
  let rb = gid.y * 8u; // first row of this row group
  // The vec4 indices (within a row) this invocation reads, and the columns they hold.
  var i0: u32;
  var i1: u32;
  var col0: u32;
  var col1: u32;
  if (W_F16) {
    i0 = g * LANES + lane;
    i1 = i0;
    col0 = 8u * i0;
    col1 = col0 + 4u;
  } else {
    i0 = g * 2u * LANES + lane;
    i1 = i0 + LANES;
    col0 = 4u * i0;
    col1 = 4u * i1;
  }
  if (min(col0, col1) >= p.N || rb >= p.rows) { return; }
  // Reads past the padded row are clamped (their columns are never stored).
  i0 = min(i0, p.rowVec4 - 1u);
  i1 = min(i1, p.rowVec4 - 1u);
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
  if (p.K % 4u == 0u) {
    for (var k = 0u; k < p.K; k += 4u) {
      let w0 = load_w8(k, i0, i1);
      let w1 = load_w8(k + 1u, i0, i1);
      let w2 = load_w8(k + 2u, i0, i1);
      let w3 = load_w8(k + 3u, i0, i1);
      step8x4(x4[(o0 + k) / 4u], w0, w1, w2, w3, &c00, &c01);
      if (B_MAX > 1u) { step8x4(x4[(o1 + k) / 4u], w0, w1, w2, w3, &c10, &c11); }
      if (B_MAX > 2u) {
        step8x4(x4[(o2 + k) / 4u], w0, w1, w2, w3, &c20, &c21);
        step8x4(x4[(o3 + k) / 4u], w0, w1, w2, w3, &c30, &c31);
      }
      if (B_MAX > 4u) {
        step8x4(x4[(o4 + k) / 4u], w0, w1, w2, w3, &c40, &c41);
        step8x4(x4[(o5 + k) / 4u], w0, w1, w2, w3, &c50, &c51);
        step8x4(x4[(o6 + k) / 4u], w0, w1, w2, w3, &c60, &c61);
        step8x4(x4[(o7 + k) / 4u], w0, w1, w2, w3, &c70, &c71);
      }
    }
  } else {
    for (var k = 0u; k < p.K; k++) {
      let wk = load_w8(k, i0, i1);
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
  }
  store_row(rb, col0, col1, c00, c01);
  if (B_MAX > 1u && rb + 1u < p.rows) { store_row(rb + 1u, col0, col1, c10, c11); }
  if (B_MAX > 2u && rb + 2u < p.rows) { store_row(rb + 2u, col0, col1, c20, c21); }
  if (B_MAX > 2u && rb + 3u < p.rows) { store_row(rb + 3u, col0, col1, c30, c31); }
  if (B_MAX > 4u && rb + 4u < p.rows) { store_row(rb + 4u, col0, col1, c40, c41); }
  if (B_MAX > 4u && rb + 5u < p.rows) { store_row(rb + 5u, col0, col1, c50, c51); }
  if (B_MAX > 4u && rb + 6u < p.rows) { store_row(rb + 6u, col0, col1, c60, c61); }
  if (B_MAX > 4u && rb + 7u < p.rows) { store_row(rb + 7u, col0, col1, c70, c71); }
}
