/** How weight matrices are stored: f32, or f16 (pairs packed in u32 on the GPU). */
export type WeightDtype = 'f32' | 'f16';

/** Bytes one weight takes in GPU memory. */
export const bytesPerWeight = (dtype: WeightDtype): number => (dtype === 'f16' ? 2 : 4);
