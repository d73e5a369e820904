// Which weight columns a lane owns, and the loads and stores of eight of them, shared by
// gemm.wgsl (gemm_direct and gemm_tiled), gemv.wgsl and ceilings.wgsl (read_stream): the
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
// column, so a 4-lane subgroup read 4 consecutive words per load: this layout until
// 2026-11-29) it paid eight times, for the same gathers (a vec4 load is four per lane).
// Dawn in Node with robustness off ran the one-row GEMV in 0.67-0.71 of the time; the
// octet loads took back about half of that (README, results).

// Octets per lane, 1 or 2: two halve the activation loads per weight load
// (src/gpu/tuning.ts: gemv.blocks per row bucket, gemm.directBlocks).
override BLOCKS: u32 = 1;

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
    return W8(vec4(unpack2x16float(u.x), unpack2x16float(u.y)), vec4(unpack2x16float(u.z), unpack2x16float(u.w)));
  }
  let i = k * row_vec4() + 2u * c8;
  return W8(bitcast<vec4<f32>>(w[i]), bitcast<vec4<f32>>(w[i + 1u]));
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
