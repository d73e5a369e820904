// GEMV for decode: out[B, N] = x[B, K] . w[K, N] for B = rows sequences, reading each
// weight once per group of up to 16 rows.
//
// x   f32 [rows, K].
// w   [Kp, Np] weights (K rows, then zero rows up to Kp, a multiple of 4) in the layout of
//     gemm.wgsl (src/kernels/packing.ts), viewed as vec4<u32>: f32 bits (Np/4 per row) or
//     f16 pairs (Np/8 per row, low half = even column).
// out f32 [rows, N].
// Uniforms (TS order): rows, K, N, rowVec4 (vec4<u32> per weight row), firstGroup.
// firstGroup: the ROWS-row group the dispatch starts at, 0 for a decode step; a prefill
// step hands the GEMV the rows past the GEMM's last whole row group this way
// (src/model/step-ops.ts, gemmRowsOf), so rows firstGroup * ROWS .. rows - 1.
//
// Thread -> outputs: lane_matmul in shaders/lane_matmul.wgsl (appended to this file by
// src/kernels/gemv.ts, with act_plain.wgsl or act_subgroup.wgsl), the same code as
// gemm_direct: each invocation owns BLOCKS octets of 8 columns for up to
// ROWS rows and runs the whole K loop with no reduction across lanes: right where cores
// are few (SwiftShader). BLOCKS is the row bucket's (src/kernels/kernel-set.ts, gemv.blocks).
// GPUs with many cores get shaders/gemv_splitk.wgsl instead.
//
// Every output is one sequential fma chain over k = 0..K-1, the same as gemm.wgsl, so a
// row's bits never depend on B or on which kernel ran it.

struct Params { rows: u32, K: u32, N: u32, rowVec4: u32, firstGroup: u32, _p0: u32, _p1: u32, _p2: u32 }

override W_F16: bool = false;
override ROWS: u32 = 1;  // rows compiled in: 1, 2, 4, 8 or 16 (the row bucket)
override LANES: u32 = 4;
override WG: u32 = 64;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

fn row_vec4() -> u32 { return p.rowVec4; }
fn act(i: u32) -> f32 { return act_scaled(x[i]); }

@compute @workgroup_size(WG)
fn gemv(@builtin(global_invocation_id) gid: vec3<u32>) {
  lane_matmul(vec3(gid.x, p.firstGroup, 0u), p.rows);
}
