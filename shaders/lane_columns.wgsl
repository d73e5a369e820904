// Lane-interleaved weight columns, shared by gemm.wgsl (gemm_direct) and gemv.wgsl:
// the kernels' TypeScript wrappers append this file to theirs (both ?raw imports), so
// the two kernels compute every output with the same loads and the same fma chain.
// The including kernel declares: override W_F16, override LANES, the word view of the
// weights `weight_words: array<u32>`, `fn row_words() -> u32`, `out: array<f32>` and a
// uniform `p` with a field N. shaders/ceilings.wgsl appends it too, so its read ceiling
// reads with exactly these loads.
//
// Lane `lane` of lane group g owns 8 columns: g*8*LANES + j*LANES + lane (f32), or the
// two columns of words g*4*LANES + j*LANES + lane (f16, low half = even column). So
// LANES neighbours read LANES consecutive words with each scalar load: on SwiftShader (a
// 4-lane subgroup is one CPU SIMD context) one masked gather of four useful words.
// Words past a row's end belong to columns never stored.

struct W8 { lo: vec4<f32>, hi: vec4<f32> }

struct LaneColumns {
  base: u32,           // first word this lane reads in a row
  cols: array<u32, 8>, // the output columns of its 8 weights
  first: u32,          // the lane group's first column (past N: nothing to do)
}

fn lane_columns(lane: u32, g: u32) -> LaneColumns {
  var c: LaneColumns;
  c.first = g * 8u * LANES;
  if (W_F16) {
    c.base = g * 4u * LANES + lane;
    for (var j = 0u; j < 8u; j++) { c.cols[j] = 2u * (c.base + (j / 2u) * LANES) + j % 2u; }
  } else {
    c.base = g * 8u * LANES + lane;
    for (var j = 0u; j < 8u; j++) { c.cols[j] = c.base + j * LANES; }
  }
  return c;
}

// This lane's 8 weights of row k.
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

// One output row's 8 accumulators take one k step.
fn step8(av: f32, wk: W8, c0: ptr<function, vec4<f32>>, c1: ptr<function, vec4<f32>>) {
  *c0 = fma(vec4(av), wk.lo, *c0);
  *c1 = fma(vec4(av), wk.hi, *c1);
}

fn store_lane8(row: u32, cols: array<u32, 8>, v0: vec4<f32>, v1: vec4<f32>) {
  let o = row * p.N;
  for (var j = 0u; j < 4u; j++) {
    if (cols[j] < p.N) { out[o + cols[j]] = v0[j]; }
    if (cols[j + 4u] < p.N) { out[o + cols[j + 4u]] = v1[j]; }
  }
}
