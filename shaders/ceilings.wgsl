// Ceiling kernels: what this adapter can do at best, to judge the real kernels by.
//
// read_stream  sums a [K, N] weight matrix with the decode GEMV's own loads
//              (lane_columns and load_w8 from shaders/lane_columns.wgsl, appended to
//              this file by src/perf/ceilings.ts; four weight rows a loop trip, as the
//              GEMV's loop reads them), minus the fmas: the read ceiling for
//              the decode kernel is measured with the layout the decode kernel uses,
//              BLOCKS (1 or 2) octets of 8 columns per lane as the one-row GEMV has.
//              W_F16 = true reads f16 pairs and unpacks them as the GEMV does: the roof
//              for f16 weights where unpacking costs more than reading
//              (src/perf/cost-model.ts). Uniforms: rows (unused), K, N, rowVec4.
//              COPY tells apart copies of the same kernel, each its own pipeline:
//              on SwiftShader one compile can run slower than another for as long as
//              it lives, so the ceiling takes the faster of two (src/perf/ceilings.ts,
//              STREAM_COPIES).
// read_flat    the plain alternative: each invocation sums a contiguous vec4 run.
//              Uniforms: K = vec4 per invocation, N = invocations.
// read_coalesced  the pattern GPUs with many cores want: invocation i of N sums vec4
//              i, i + N, i + 2N, ... (neighbours read neighbouring 16 bytes); with
//              W_F16 it unpacks each as 8 halves (the f16 roof off SwiftShader).
//              Uniforms: K = vec4 per invocation, N = invocations.
// fma_peak     FLOP/s: CHAINS independent vec4 fma chains, 64 fmas each per loop trip,
//              in runs of 16 written out (SwiftShader runs a rolled loop at a fraction
//              of its peak). Uniforms: K = loop trips.
// empty        nothing (Uniforms: N = 0xffffffff): for per-dispatch overhead.
// chain        one invocation adds 1 to out[0]: each dispatch reads what the one before
//              wrote, as a step's kernels do, so one must finish before the next starts.
// out receives one value per invocation so nothing is optimised away.

struct Params { rows: u32, K: u32, N: u32, rowVec4: u32 }

override W_F16: bool = false; // read_stream, read_coalesced: read f16 pairs and unpack them
override LANES: u32 = 4;
override WG: u32 = 64;
override CHAINS: u32 = 1; // fma_peak
override COPY: u32 = 0; // read_stream: which copy (added to its output, so it stays)

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> w: array<vec4<u32>>; // read_stream's view
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<storage, read> w4: array<vec4<f32>>;

fn row_vec4() -> u32 { return p.rowVec4; }

@compute @workgroup_size(WG)
fn read_stream(@builtin(global_invocation_id) gid: vec3<u32>) {
  let lc = lane_columns(gid.x % LANES, gid.x / LANES);
  if (lc.first >= p.N) { return; }
  let c1 = lc.c8 + LANES; // block 1's octet
  var s0 = vec4(0.0); var s1 = vec4(0.0); var s2 = vec4(0.0); var s3 = vec4(0.0);
  // Four weight rows a trip, each block's four loaded together, as the GEMV's loop loads
  // them (shaders/lane_matmul.wgsl): their cache misses overlap. A row a trip, this
  // ceiling would sit below the GEMV it judges.
  var k = 0u;
  for (; k + 4u <= p.K; k += 4u) {
    let a0 = load_w8(k, lc.c8); let a1 = load_w8(k + 1u, lc.c8); let a2 = load_w8(k + 2u, lc.c8); let a3 = load_w8(k + 3u, lc.c8);
    s0 += (a0.lo + a1.lo) + (a2.lo + a3.lo);
    s1 += (a0.hi + a1.hi) + (a2.hi + a3.hi);
    if (BLOCKS == 2u) {
      let b0 = load_w8(k, c1); let b1 = load_w8(k + 1u, c1); let b2 = load_w8(k + 2u, c1); let b3 = load_w8(k + 3u, c1);
      s2 += (b0.lo + b1.lo) + (b2.lo + b3.lo);
      s3 += (b0.hi + b1.hi) + (b2.hi + b3.hi);
    }
  }
  for (; k < p.K; k++) {
    let wk = load_w8(k, lc.c8);
    s0 += wk.lo;
    s1 += wk.hi;
    if (BLOCKS == 2u) {
      let wb = load_w8(k, c1);
      s2 += wb.lo;
      s3 += wb.hi;
    }
  }
  out[gid.x] = dot(s0 + s1 + s2 + s3, vec4(1.0)) + f32(COPY);
}

@compute @workgroup_size(WG)
fn read_flat(@builtin(global_invocation_id) gid: vec3<u32>) {
  if (gid.x >= p.N) { return; }
  var s = vec4(0.0);
  let base = gid.x * p.K;
  for (var i = 0u; i < p.K; i++) { s += w4[base + i]; }
  out[gid.x] = dot(s, vec4(1.0));
}

@compute @workgroup_size(WG)
fn read_coalesced(@builtin(global_invocation_id) gid: vec3<u32>) {
  if (gid.x >= p.N) { return; }
  var s = vec4(0.0);
  for (var i = 0u; i < p.K; i++) {
    let v = w4[gid.x + i * p.N];
    if (W_F16) {
      let u = bitcast<vec4<u32>>(v);
      s += vec4(unpack2x16float(u.x), unpack2x16float(u.y)) + vec4(unpack2x16float(u.z), unpack2x16float(u.w));
    } else {
      s += v;
    }
  }
  out[gid.x] = dot(s, vec4(1.0));
}

// 16 dependent fmas, written out rather than looped: SwiftShader neither unrolls loops
// nor reaches its peak in a rolled one (docs/results.md, "The FMA peak kernel").
fn fma16(a: vec4<f32>, b: vec4<f32>) -> vec4<f32> {
  let m = vec4(0.999999);
  var v = a;
  v = fma(v, m, b);
  v = fma(v, m, b);
  v = fma(v, m, b);
  v = fma(v, m, b);
  v = fma(v, m, b);
  v = fma(v, m, b);
  v = fma(v, m, b);
  v = fma(v, m, b);
  v = fma(v, m, b);
  v = fma(v, m, b);
  v = fma(v, m, b);
  v = fma(v, m, b);
  v = fma(v, m, b);
  v = fma(v, m, b);
  v = fma(v, m, b);
  v = fma(v, m, b);
  return v;
}

// 16 dependent fmas on each of the CHAINS accumulators in use.
fn fma16_chains(a0: ptr<function, vec4<f32>>, a1: ptr<function, vec4<f32>>, a2: ptr<function, vec4<f32>>,
                a3: ptr<function, vec4<f32>>, b0: vec4<f32>, b1: vec4<f32>) {
  *a0 = fma16(*a0, b0);
  if (CHAINS > 1u) { *a1 = fma16(*a1, b1); }
  if (CHAINS > 2u) {
    *a2 = fma16(*a2, b0);
    *a3 = fma16(*a3, b1);
  }
}

// CHAINS independent vec4 chains (1, 2 or 4), each taking 64 dependent fmas per loop
// trip. src/perf/ceilings.ts runs every chain count and keeps the fastest: SwiftShader
// peaks with one vec4 chain (4 SIMD chains), a GPU with more (docs/results.md, "The FMA
// peak kernel").
@compute @workgroup_size(WG)
fn fma_peak(@builtin(global_invocation_id) gid: vec3<u32>) {
  let b0 = vec4(1e-3);
  let b1 = vec4(2e-3);
  var a0 = vec4(f32(gid.x) * 1e-7);
  var a1 = a0 + vec4(1.0);
  var a2 = a0 + vec4(2.0);
  var a3 = a0 + vec4(3.0);
  for (var k = 0u; k < p.K; k++) {
    // Four runs of 16 per chain, written out (the chains interleave every 16 fmas).
    fma16_chains(&a0, &a1, &a2, &a3, b0, b1);
    fma16_chains(&a0, &a1, &a2, &a3, b0, b1);
    fma16_chains(&a0, &a1, &a2, &a3, b0, b1);
    fma16_chains(&a0, &a1, &a2, &a3, b0, b1);
  }
  out[gid.x] = dot(a0 + a1 + a2 + a3, vec4(1.0));
}

@compute @workgroup_size(WG)
fn empty(@builtin(global_invocation_id) gid: vec3<u32>) {
  if (gid.x > p.N) { out[0] = 0.0; } // never true: N is set to the largest u32
}

@compute @workgroup_size(1)
fn chain() {
  out[0] = out[0] + 1.0 + f32(p.rows); // rows = 0 (p is read so the bind group matches the other kernels')
}
