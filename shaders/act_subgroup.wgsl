// act4 with subgroups, appended after shaders/lane_matmul.wgsl (the kernel's source then
// starts with `enable subgroups;`): the activations i .. i+3 (one row's four k steps);
// those from the n-th on are zero (past the row's end, n < 4).
// Invocation `sub` (its index mod 4) loads activation i + sub and the subgroup's first
// four invocations share theirs: one load instead of four. On SwiftShader every storage
// load is a gather costing as much as a dozen fmas, and a row's activation is the same
// for all the lanes, so this cuts a batched GEMV's loads per k from 8 + B to 8 + B / 4.
// Used only where subgroups hold at least 4 consecutive invocations
// (src/kernels/kernel-set.ts), so lanes 0..3 of a subgroup are the four `sub` values.
fn act4(i: u32, sub: u32, n: u32) -> vec4<f32> {
  let v = select(0.0, act(i + sub), sub < n);
  return vec4(subgroupBroadcast(v, 0u), subgroupBroadcast(v, 1u), subgroupBroadcast(v, 2u), subgroupBroadcast(v, 3u));
}

// act2x4's row starts: the one this invocation loads, row `sub`'s (in x), chosen once
// before the k loop (SwiftShader hoists nothing out of a loop).
fn act2x4_rows(o: vec4<u32>, sub: u32) -> vec4<u32> {
  return vec4(select(select(o.x, o.y, sub == 1u), select(o.z, o.w, sub == 3u), sub >= 2u));
}

// act2x4: activations k and k+1 of four rows (`r` from act2x4_rows; `k1` is zero when
// n < 2: past the rows' end). Invocation `sub` loads row `sub`'s two and the
// subgroup's first four invocations share them: two loads where each invocation
// loading all four rows' would make eight.
fn act2x4(r: vec4<u32>, k: u32, n: u32) -> Act2x4 {
  let a = act(r.x + k);
  let b = select(0.0, act(r.x + k + 1u), n > 1u);
  return Act2x4(
    vec4(subgroupBroadcast(a, 0u), subgroupBroadcast(a, 1u), subgroupBroadcast(a, 2u), subgroupBroadcast(a, 3u)),
    vec4(subgroupBroadcast(b, 0u), subgroupBroadcast(b, 1u), subgroupBroadcast(b, 2u), subgroupBroadcast(b, 3u)),
  );
}
