// Lane-interleaved weight columns, shared by gemm.wgsl (gemm_direct) and gemv.wgsl:
// the kernels' TypeScript wrappers append this file to theirs (both ?raw imports), so
// the two kernels compute every output with the same loads and the same fma chain.
// The including kernel declares: override W_F16, override LANES, the word view of the
// weights `weight_words: array<u32>`, `fn row_words() -> u32`, `out: array<f32>` and a
// uniform `p` with a field N. shaders/ceilings.wgsl appends it too, so its read ceiling
// reads with exactly these loads.
//
// Lane `lane` of lane group g owns BLOCKS blocks of 8 columns. Block 0 is columns
// g*8*BLOCKS*LANES + j*LANES + lane (f32), or the two columns of words
// g*4*BLOCKS*LANES + j*LANES + lane (f16, low half = even column); block b is block 0
// moved b * block_words() words, b * 8 * LANES columns. So LANES neighbours read
// LANES consecutive words with each scalar load: on SwiftShader (a 4-lane subgroup is
// one CPU SIMD context) one masked gather of four useful words. Words past a row's end
// belong to columns never stored.

// 8-column blocks per lane, 1 or 2: two halve the activation loads per weight load
// (src/gpu/tuning.ts: gemv.blocks per row bucket, gemm.directBlocks).
override BLOCKS: u32 = 1;

struct W8 { lo: vec4<f32>, hi: vec4<f32> }

struct LaneColumns {
  base: u32,  // first word this lane reads in a row (block 0)
  first: u32, // the lane group's first column (past N: nothing to do)
}

fn lane_columns(lane: u32, g: u32) -> LaneColumns {
  let first = g * 8u * BLOCKS * LANES;
  return LaneColumns(select(g * 8u, g * 4u, W_F16) * BLOCKS * LANES + lane, first);
}

// The output column of weight j (0..7) of the block starting at word `base`.
fn lane_column(base: u32, j: u32) -> u32 {
  if (W_F16) { return 2u * (base + (j / 2u) * LANES) + j % 2u; }
  return base + j * LANES;
}

// How far block b + 1 starts after block b in a weight row's words (8 x LANES columns).
fn block_words() -> u32 { return select(8u, 4u, W_F16) * LANES; }

// This lane's 8 weights of row k in the block starting at word `base`.
fn load_lane8(k: u32, base: u32) -> W8 {
  let row = k * row_words() + base;
  if (W_F16) {
    let u = vec4(weight_words[row], weight_words[row + LANES], weight_words[row + 2u * LANES], weight_words[row + 3u * LANES]);
    // Each u32 holds two adjacent columns, so unpacking in order needs no shuffle.
    return W8(vec4(unpack2x16float(u.x), unpack2x16float(u.y)), vec4(unpack2x16float(u.z), unpack2x16float(u.w)));
  }
  return W8(
    bitcast<vec4<f32>>(vec4(weight_words[row], weight_words[row + LANES], weight_words[row + 2u * LANES], weight_words[row + 3u * LANES])),
    bitcast<vec4<f32>>(vec4(weight_words[row + 4u * LANES], weight_words[row + 5u * LANES], weight_words[row + 6u * LANES], weight_words[row + 7u * LANES])),
  );
}

// Stores one row's 8 outputs of the block starting at word `base`, written out with
// constant j: as a loop over j indexing an array of columns and v0[j], every store was a
// gather from private memory on SwiftShader, and the 32-row tile's stores took two thirds
// of its JIT time.
fn store_lane8(row: u32, base: u32, v0: vec4<f32>, v1: vec4<f32>) {
  let o = row * p.N;
  store_one(o, lane_column(base, 0u), v0.x);
  store_one(o, lane_column(base, 1u), v0.y);
  store_one(o, lane_column(base, 2u), v0.z);
  store_one(o, lane_column(base, 3u), v0.w);
  store_one(o, lane_column(base, 4u), v1.x);
  store_one(o, lane_column(base, 5u), v1.y);
  store_one(o, lane_column(base, 6u), v1.z);
  store_one(o, lane_column(base, 7u), v1.w);
}

fn store_one(o: u32, col: u32, v: f32) {
  if (col < p.N) { out[o + col] = v; }
}
