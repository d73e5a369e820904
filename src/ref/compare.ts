// How whole-model logits are compared with the CPU reference, wherever a model runs:
// headless Chromium in test/gpu, Dawn in Node in test/e2e, and `npm run verify` on
// whatever adapter a user has.

/** max |got - want| over max |want|: the logits' error relative to their scale. */
export function relErr(got: Float32Array, want: Float32Array): number {
  let err = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    err = Math.max(err, Math.abs(got[i]! - want[i]!));
    scale = Math.max(scale, Math.abs(want[i]!));
  }
  return err / scale;
}

// Tolerance for whole-model logits: 1e-4 of the logits' largest magnitude.
// Every kernel stays within its own f32 error bound (at most a few hundred
// u ~ 1e-5 relative for these widths); errors then pass through 2 layers, two
// norms and the head, each of which can amplify them a few times. 1e-4 leaves
// that room and is still 100x tighter than a wrong position, head or mask
// produces (those give errors of order 1e-1..1).
export const LOGIT_TOL = 1e-4;
