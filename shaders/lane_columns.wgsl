// Which weight columns a lane owns, and the loads and stores of eight of them, shared by
// gemm.wgsl, gemm_tiled.wgsl, gemv.wgsl and ceilings.wgsl (read_stream): the
// kernels' TypeScript wrappers append this file to theirs (?raw imports), so they all
// read every weight the same way and compute every output with the same fma chain.
// The including kernel declares: override W_F16, override LANES, the weights viewed as
// `w: array<vec4<u32>>`, `fn row_vec4() -> u32` (vec4 per weight row), `out: array<f32>`
// and a uniform `p` with a field N.
//
// Columns go in octets: octet c8 is columns 8*c8 .. 8*c8+7 of a weight row, two vec4 of
// f32 bits or one vec4 of f16 pairs (low half = even column), in the layout of
// src/kernels/packing.ts (rows of N rounded up to 8 columns). Lane `lane` of lane group g
// owns BLOCKS octets: g*BLOCKS*LANES + lane, and LANES octets on for its second block. So
// a lane group reads BLOCKS runs of 8*LANES consecutive columns of every weight row.
//
// Whole octets per lane, because WebGPU's bounds checks cost per access, not per byte:
// Tint clamps every index into a runtime-sized array against arrayLength (which
// SwiftShader works out at each use with an integer division per lane), and SwiftShader's
// robust buffer access masks every access again and sends each lane of its gather through
// a branch with a zero-fill path; that second part is most of the cost (a weight binding
// declared with a fixed size, so clamped against a constant, timed the same). An octet
// read as two vec4 pays it twice; as eight scalar loads (lanes interleaved column by
// column) it would pay eight times, for the same gathers (docs/results.md, "Lane matmul
// loads").

// Octets per lane, 1 or 2: two halve the activation loads per weight load
// (src/kernels/kernel-set.ts: gemv.blocks per row bucket, gemm.directBlocks).
override BLOCKS: u32 = 1;

// f16 weights stored times 2^s, none subnormal (src/kernels/packing.ts, f16Shift): an
// f16's bits moved into place in an f32 are then its value times 2^(s - 112), exactly,
// and the activations are multiplied by ACT_SCALE = 2^(112 - s) once per load instead
// (act_scaled), so every product, and every fma, has the bits it has unpacked plainly.
// One shift and a few masks per pair of columns (f16_bits), where unpack2x16float costs
// SwiftShader several times as many instructions (src/kernels/kernel-set.ts, f16Unpack;
// docs/results.md, "Kernel shapes per adapter").
override F16_SHIFTED: bool = false;
override ACT_SCALE: f32 = 1.0;

struct W8 { lo: vec4<f32>, hi: vec4<f32> }

struct LaneColumns {
  c8: u32,    // block 0's octet (block 1's is LANES octets on)
  first: u32, // the lane group's first column (past N: nothing to do)
}

fn lane_columns(lane: u32, g: u32) -> LaneColumns {
  let group8 = g * BLOCKS * LANES;
  return LaneColumns(group8 + lane, group8 * 8u);
}

// Octet c8 of weight row k.
fn load_w8(k: u32, c8: u32) -> W8 {
  if (W_F16) {
    let u = w[k * row_vec4() + c8];
    // Each u32 holds two adjacent columns, so unpacking in order needs no shuffle.
    if (F16_SHIFTED) { return W8(vec4(f16_bits(u.x), f16_bits(u.y)), vec4(f16_bits(u.z), f16_bits(u.w))); }
    return W8(vec4(unpack2x16float(u.x), unpack2x16float(u.y)), vec4(unpack2x16float(u.z), unpack2x16float(u.w)));
  }
  let i = k * row_vec4() + 2u * c8;
  return W8(bitcast<vec4<f32>>(w[i]), bitcast<vec4<f32>>(w[i + 1u]));
}

// A pair of shifted f16 (F16_SHIFTED) as f32 bits, in the word layout of
// src/kernels/packing.ts (shiftedPairWord): each half's sign at bit 31 and its exponent
// and mantissa at 27..13, which reads as the half's value times 2^-112. The odd column's
// half is stored there already; the even one's is put together from its three pieces
// with one shift, an add and a multiply. SwiftShader makes four scalar shifts of every
// vector shift, so this one shift per word took the place of three (shifting each half
// of a plain pair into place), which had cost 3 x 12 x86 instructions per word.
fn f16_bits(u: u32) -> vec2<f32> {
  let odd = u & 0x8fffe000u;
  let even = ((u + u) & 0x80000000u) | ((u >> 2u) & 0x0c000000u) | ((u * 8192u) & 0x03ffe000u);
  return bitcast<vec2<f32>>(vec2(even, odd));
}

// An activation as the matmul multiplies it: times ACT_SCALE against shifted f16 weights.
fn act_scaled(v: f32) -> f32 {
  if (F16_SHIFTED) { return v * ACT_SCALE; }
  return v;
}

// Stores one row's outputs of octet c8, those within N, written out with constant
// indices: as a loop indexing v0[j], every store was a gather from private memory on
// SwiftShader, and the 32-row tile's stores took two thirds of its JIT time.
fn store8(row: u32, c8: u32, v0: vec4<f32>, v1: vec4<f32>) {
  let o = row * p.N;
  let col = 8u * c8;
  store_one(o, col, v0.x);
  store_one(o, col + 1u, v0.y);
  store_one(o, col + 2u, v0.z);
  store_one(o, col + 3u, v0.w);
  store_one(o, col + 4u, v1.x);
  store_one(o, col + 5u, v1.y);
  store_one(o, col + 6u, v1.z);
  store_one(o, col + 7u, v1.w);
}

fn store_one(o: u32, col: u32, v: f32) {
  if (col < p.N) { out[o + col] = v; }
}
