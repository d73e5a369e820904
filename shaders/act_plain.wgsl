// act4 for adapters without subgroups, appended after shaders/lane_matmul.wgsl: the
// activations i .. i+3 (one row's four k steps), each a load every invocation makes;
// those from the n-th on are zero (past the row's end, n < 4).
fn act4(i: u32, sub: u32, n: u32) -> vec4<f32> {
  return vec4(act(i), select(0.0, act(i + 1u), n > 1u), select(0.0, act(i + 2u), n > 2u), select(0.0, act(i + 3u), n > 3u));
}
