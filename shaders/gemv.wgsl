// GEMV for decode: out[B, N] = x[B, K] . w[K, N] for B = rows <= B_MAX sequences,
// reading every weight once for all of them.
//
// x   f32 [rows, K].
// w   [K, rowWords] as u32: f32 bits (rowWords >= N), or with W_F16 f16 pairs
//     (low half = even column, rowWords >= ceil(N/2)). Padding columns are zero.
// out f32 [rows, N].
// Uniforms (TS order): rows, K, N, rowWords.
//
// Thread -> outputs: invocation t belongs to lane group t / LANES and is lane t % LANES;
// it owns COLS columns: group*LANES*COLS + j*LANES + lane (f32), so at each k the LANES
// neighbours read LANES neighbouring words. With f16, the same mapping over words:
// COLS/2 words, each two adjacent columns. Each invocation runs the whole K loop with
// B_MAX x COLS independent accumulators: no reduction across lanes, which is what
// SwiftShader rewards (shared/design.md section 6); real GPUs want split-K instead.
//
// Every output is one sequential fma chain over k = 0..K-1, the same as gemm.wgsl.

struct Params { rows: u32, K: u32, N: u32, rowWords: u32 }

override W_F16: bool = false;
override B_MAX: u32 = 1;  // compiled rows (1, 2, 4, 8, 16); rows <= B_MAX are stored
override LANES: u32 = 4;
override COLS: u32 = 8;   // even, B_MAX * COLS <= 128
override WG: u32 = 64;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<u32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

fn half_to_f32(h: u32) -> f32 {
  let mag = h & 0x7fffu;
  let v = select(bitcast<f32>((mag << 13u) + (112u << 23u)), f32(mag) * 5.9604644775390625e-8, mag < 0x400u);
  return bitcast<f32>(bitcast<u32>(v) | ((h & 0x8000u) << 16u));
}

@compute @workgroup_size(WG)
fn gemv(@builtin(global_invocation_id) gid: vec3<u32>) {
  let lane = gid.x % LANES;
  let group = gid.x / LANES;
  let first = group * LANES * COLS; // first column this lane group covers
  if (first >= p.N) { return; }
  let lastWord = p.rowWords - 1u;
  var xOff: array<u32, 16>;
  for (var b = 0u; b < B_MAX; b++) { xOff[b] = min(b, p.rows - 1u) * p.K; }
  var wv: array<f32, 16>;
  var acc: array<f32, 128>; // [B_MAX][COLS]
  for (var k = 0u; k < p.K; k++) {
    let row = k * p.rowWords;
    if (W_F16) {
      for (var j = 0u; j < COLS / 2u; j++) {
        let word = w[row + min(first / 2u + j * LANES + lane, lastWord)];
        wv[2u * j] = half_to_f32(word & 0xffffu);
        wv[2u * j + 1u] = half_to_f32(word >> 16u);
      }
    } else {
      for (var j = 0u; j < COLS; j++) { wv[j] = bitcast<f32>(w[row + min(first + j * LANES + lane, lastWord)]); }
    }
    for (var b = 0u; b < B_MAX; b++) {
      let xb = x[xOff[b] + k];
      for (var j = 0u; j < COLS; j++) { acc[b * COLS + j] = fma(xb, wv[j], acc[b * COLS + j]); }
    }
  }
  for (var b = 0u; b < p.rows; b++) {
    for (var j = 0u; j < COLS; j++) {
      var col: u32;
      if (W_F16) { col = 2u * (first / 2u + (j / 2u) * LANES + lane) + j % 2u; }
      else { col = first + j * LANES + lane; }
      if (col < p.N) { out[b * p.N + col] = acc[b * COLS + j]; }
    }
  }
}
