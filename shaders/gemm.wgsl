// GEMM for prefill: out[M, N] = a[M, K] . w[K, N], gemm_direct (gemm_tiled.wgsl is the
// other form, for GPUs with many cores).
//
// a   f32 [M, K], row-major activations.
// w   [Kp, Np] weights, input-major, Np = N rounded up to 8, Kp = K rounded up to 4
//     (padding is zero). Viewed as vec4<u32>: with W_F16 = false a row is Np/4 vec4 of
//     f32 bits; with W_F16 = true it is Np/8 vec4 of f16 pairs (low half = even column),
//     unpacked to f32 here.
// out f32 [M, N].
// Uniforms (TS order): M, K, N, rowVec4 (vec4<u32> per weight row), kc.
//
// Every output is summed in the matrix's K chunks (src/kernels/k-chunks.ts): one
// sequential fma chain over each chunk of kc rows of k, the chunks' sums then added
// in order, whatever the tile shape or M. The GEMV of the same adapter sums the same
// way (one chunk, kc = K: lane_matmul; several: gemv_splitk.wgsl), so prefill and
// decode rows give the same bits and a row's result never depends on which rows
// share the step. gemm_direct is lane_matmul and takes one chunk only.
//
// The kernel set picks the form per adapter (src/kernels/kernel-set.ts): gemm_direct has
// each invocation own ROWS rows x BLOCKS octets of 8 columns, read straight from storage,
// fastest on SwiftShader, where barriers are context switches (1D workgroups of WG_X).

struct Params { M: u32, K: u32, N: u32, rowVec4: u32, kc: u32, _p0: u32, _p1: u32, _p2: u32 }

override W_F16: bool = false;
override WG_X: u32 = 8;
override LANES: u32 = 4; // gemm_direct: invocations of a lane group, whose octets are neighbours
override ROWS: u32 = 32; // gemm_direct: rows per invocation (BLOCKS, its column blocks, is lane_columns.wgsl's)

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

// Octet loads and stores (load_w8, store8) come from shaders/lane_columns.wgsl, appended
// to this file by src/kernels/gemm.ts, so it reads the weights as the GEMV and gemm_tiled do.
fn row_vec4() -> u32 { return p.rowVec4; }
fn act(i: u32) -> f32 { return act_scaled(a[i]); }

// gemm_direct: lane_matmul (shaders/lane_matmul.wgsl, appended to this file by
// src/kernels/gemm.ts), the GEMV's own code with more rows: each invocation owns ROWS rows
// x BLOCKS octets of 8 columns read straight from storage (32 x 2 on
// SwiftShader: src/kernels/kernel-set.ts, gemm.directRows and gemm.directBlocks).
// Workgroup x walks the row groups and y the column blocks, so the workgroups an adapter
// runs one after another share their weight columns while those are still in cache.
@compute @workgroup_size(WG_X)
fn gemm_direct(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  lane_matmul(vec3(wid.y * WG_X + lid.x, wid.x, 0u), p.M);
}
