// Split-K GEMV for GPUs with many cores (src/gpu/tuning.ts picks it off SwiftShader):
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

@compute @workgroup_size(WG)
fn gemv_partial(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c4 = gid.x;
  let s = gid.y;
  if (c4 >= p.np4) { return; }
  let k0 = s * p.kc;
  let k1 = min(k0 + p.kc, p.K);
  let last = p.rows - 1u;
  var acc: array<vec4<f32>, 16>;
  for (var r = 0u; r < ROWS; r++) { acc[r] = vec4(0.0); }
  var k = k0;
  // Four weight loads in flight per trip; each output's chain still goes k by k.
  for (; k + 4u <= k1; k += 4u) {
    let w0 = load4(k, c4);
    let w1 = load4(k + 1u, c4);
    let w2 = load4(k + 2u, c4);
    let w3 = load4(k + 3u, c4);
    for (var r = 0u; r < ROWS; r++) {
      let xo = min(r, last) * p.K + k;
      acc[r] = fma(vec4(x[xo]), w0, acc[r]);
      acc[r] = fma(vec4(x[xo + 1u]), w1, acc[r]);
      acc[r] = fma(vec4(x[xo + 2u]), w2, acc[r]);
      acc[r] = fma(vec4(x[xo + 3u]), w3, acc[r]);
    }
  }
  for (; k < k1; k++) {
    let wk = load4(k, c4);
    for (var r = 0u; r < ROWS; r++) { acc[r] = fma(vec4(x[min(r, last) * p.K + k]), wk, acc[r]); }
  }
  for (var r = 0u; r < ROWS; r++) {
    if (r < p.rows) { part[(s * p.rows + r) * p.np4 + c4] = acc[r]; }
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
