// act4 for adapters without subgroups, appended after shaders/lane_matmul.wgsl: the
// activations i .. i+3 (one row's four k steps), each a load every invocation makes;
// those from the n-th on are zero (past the row's end, n < 4).
fn act4(i: u32, sub: u32, n: u32) -> vec4<f32> {
  return vec4(act(i), select(0.0, act(i + 1u), n > 1u), select(0.0, act(i + 2u), n > 2u), select(0.0, act(i + 3u), n > 3u));
}

// act2x4's row starts without subgroups: all four, each invocation loading every row.
fn act2x4_rows(o: vec4<u32>, sub: u32) -> vec4<u32> {
  return o;
}

// act2x4 for adapters without subgroups: activations k and k+1 of four rows starting at
// r.x .. r.w, each a load every invocation makes (`k1` is zero when n < 2). At two rows
// the last two rows' values go unused.
fn act2x4(r: vec4<u32>, k: u32, n: u32) -> Act2x4 {
  let b = n > 1u;
  return Act2x4(
    vec4(act(r.x + k), act(r.y + k), act(r.z + k), act(r.w + k)),
    vec4(select(0.0, act(r.x + k + 1u), b), select(0.0, act(r.y + k + 1u), b),
         select(0.0, act(r.z + k + 1u), b), select(0.0, act(r.w + k + 1u), b)),
  );
}
