// Split-K GEMV for GPUs with many cores (src/kernels/kernel-set.ts picks it off SwiftShader):
// out[rows, N] = x[rows, K] . w[K, N], rows <= 16. A decode GEMV has only N outputs per
// row, far too few threads to keep a GPU's memory busy if each walked all of K, so K is
// cut into chunks of kc rows and every (column quad, chunk) is one invocation.
//
// x    f32 [rows, K], row-major activations.
// w    [K, Np] weights, input-major, Np = N rounded up to 8 (src/kernels/packing.ts),
//      viewed as vec2<u32>: 4 columns are two of them as f32, one as f16 pairs.
// part vec4<f32> [chunks, rows, Np/4]: each chunk's sums.
// out  f32 [rows, N].
// Uniforms (TS order): rows, K, N, rowWords, kc, chunks, np4 (= Np/4).
//
// gemv_partial  invocation (c4, s) owns columns 4*c4 .. 4*c4+3 and chunk s (k from s*kc
//               up to the lesser of (s+1)*kc and K) for ROWS rows (compiled in: 1, 2, 4,
//               8 or 16): one sequential fma chain per output, from zero. Neighbouring
//               invocations read neighbouring 16 bytes of a weight row (coalesced), and
//               every row's activation x[r, k] is the same word across them (a broadcast).
// gemv_reduce   out = part[0] + part[1] + ... + part[chunks-1], in chunk order.
// gemm_tiled adds its tiles up in the same chunks and order (shaders/gemm.wgsl), so a
// row's bits are the same through either kernel and never depend on the other rows.

struct Params { rows: u32, K: u32, N: u32, rowWords: u32, kc: u32, chunks: u32, np4: u32, _pad: u32 }

override W_F16: bool = false;
override ROWS: u32 = 1;
override WG: u32 = 64;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<vec2<u32>>;
@group(0) @binding(3) var<storage, read_write> part: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;

// Columns 4*c4 .. 4*c4+3 of weight row k.
fn load4(k: u32, c4: u32) -> vec4<f32> {
  let row = k * p.rowWords / 2u; // rowWords is even in both layouts
  if (W_F16) {
    let u = w[row + c4];
    return vec4(unpack2x16float(u.x), unpack2x16float(u.y));
  }
  return bitcast<vec4<f32>>(vec4(w[row + 2u * c4], w[row + 2u * c4 + 1u]));
}

// ROWS accumulators in named fields: an array indexed in a loop over ROWS went to local
// memory on an H200 from 8 rows (docs/results.md, "Kernels on an H200").
struct Acc {
  r0: vec4<f32>, r1: vec4<f32>, r2: vec4<f32>, r3: vec4<f32>,
  r4: vec4<f32>, r5: vec4<f32>, r6: vec4<f32>, r7: vec4<f32>,
  r8: vec4<f32>, r9: vec4<f32>, r10: vec4<f32>, r11: vec4<f32>,
  r12: vec4<f32>, r13: vec4<f32>, r14: vec4<f32>, r15: vec4<f32>,
}

// Activation k of row r (rows past the last repeat it; they are never stored).
fn xr(r: u32, k: u32) -> vec4<f32> {
  return vec4(x[min(r, p.rows - 1u) * p.K + k]);
}

// Every row's chain takes step k with weights w (compile-time tests: ROWS is an override).
fn step_rows(a: ptr<function, Acc>, k: u32, w: vec4<f32>) {
  (*a).r0 = fma(xr(0u, k), w, (*a).r0);
  if (ROWS > 1u) { (*a).r1 = fma(xr(1u, k), w, (*a).r1); }
  if (ROWS > 2u) {
    (*a).r2 = fma(xr(2u, k), w, (*a).r2);
    (*a).r3 = fma(xr(3u, k), w, (*a).r3);
  }
  if (ROWS > 4u) {
    (*a).r4 = fma(xr(4u, k), w, (*a).r4);
    (*a).r5 = fma(xr(5u, k), w, (*a).r5);
    (*a).r6 = fma(xr(6u, k), w, (*a).r6);
    (*a).r7 = fma(xr(7u, k), w, (*a).r7);
  }
  if (ROWS > 8u) {
    (*a).r8 = fma(xr(8u, k), w, (*a).r8);
    (*a).r9 = fma(xr(9u, k), w, (*a).r9);
    (*a).r10 = fma(xr(10u, k), w, (*a).r10);
    (*a).r11 = fma(xr(11u, k), w, (*a).r11);
    (*a).r12 = fma(xr(12u, k), w, (*a).r12);
    (*a).r13 = fma(xr(13u, k), w, (*a).r13);
    (*a).r14 = fma(xr(14u, k), w, (*a).r14);
    (*a).r15 = fma(xr(15u, k), w, (*a).r15);
  }
}

fn store_part(s: u32, r: u32, c4: u32, v: vec4<f32>) {
  if (r < p.rows) { part[(s * p.rows + r) * p.np4 + c4] = v; }
}

@compute @workgroup_size(WG)
fn gemv_partial(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c4 = gid.x;
  let s = gid.y;
  if (c4 >= p.np4) { return; }
  let k0 = s * p.kc;
  let k1 = min(k0 + p.kc, p.K);
  var a: Acc; // zero-initialised
  var k = k0;
  // Four weight loads in flight per trip; each output's chain still goes k by k.
  for (; k + 4u <= k1; k += 4u) {
    let w0 = load4(k, c4);
    let w1 = load4(k + 1u, c4);
    let w2 = load4(k + 2u, c4);
    let w3 = load4(k + 3u, c4);
    step_rows(&a, k, w0);
    step_rows(&a, k + 1u, w1);
    step_rows(&a, k + 2u, w2);
    step_rows(&a, k + 3u, w3);
  }
  for (; k < k1; k++) { step_rows(&a, k, load4(k, c4)); }
  store_part(s, 0u, c4, a.r0);
  if (ROWS > 1u) { store_part(s, 1u, c4, a.r1); }
  if (ROWS > 2u) {
    store_part(s, 2u, c4, a.r2);
    store_part(s, 3u, c4, a.r3);
  }
  if (ROWS > 4u) {
    store_part(s, 4u, c4, a.r4);
    store_part(s, 5u, c4, a.r5);
    store_part(s, 6u, c4, a.r6);
    store_part(s, 7u, c4, a.r7);
  }
  if (ROWS > 8u) {
    store_part(s, 8u, c4, a.r8);
    store_part(s, 9u, c4, a.r9);
    store_part(s, 10u, c4, a.r10);
    store_part(s, 11u, c4, a.r11);
    store_part(s, 12u, c4, a.r12);
    store_part(s, 13u, c4, a.r13);
    store_part(s, 14u, c4, a.r14);
    store_part(s, 15u, c4, a.r15);
  }
}

@compute @workgroup_size(WG)
fn gemv_reduce(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= p.rows * p.np4) { return; }
  let r = i / p.np4;
  let c4 = i % p.np4;
  var sum = part[r * p.np4 + c4];
  for (var s = 1u; s < p.chunks; s++) { sum += part[(s * p.rows + r) * p.np4 + c4]; }
  let o = r * p.N + 4u * c4;
  for (var j = 0u; j < 4u; j++) {
    if (4u * c4 + j < p.N) { out[o + j] = sum[j]; }
  }
}
