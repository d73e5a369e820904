// Greedy sampling: ids[r] = argmax over v of logits[r, v]; the first index wins a tie
// (the CPU reference's rule, so both pick the same token).
// logits f32 [rows, V]; ids u32 [rows]. Uniforms (TS order): rows, V.
// One invocation per row: V is read once, sequentially.

struct Params { rows: u32, V: u32, _p0: u32, _p1: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read_write> ids: array<u32>;

@compute @workgroup_size(64)
fn argmax(@builtin(global_invocation_id) gid: vec3<u32>) {
  let r = gid.x;
  if (r >= p.rows) { return; }
  let o = r * p.V;
  var best = 0u;
  var bestVal = logits[o];
  for (var v = 1u; v < p.V; v++) {
    let val = logits[o + v];
    if (val > bestVal) { best = v; bestVal = val; }
  }
  ids[r] = best;
}
