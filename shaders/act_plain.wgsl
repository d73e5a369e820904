// act4 for adapters without subgroups, appended after shaders/lane_matmul.wgsl: the
// activations i .. i+3 (one row's four k steps), each a load every invocation makes.
fn act4(i: u32, sub: u32) -> vec4<f32> {
  return vec4(act(i), act(i + 1u), act(i + 2u), act(i + 3u));
}
