/**
 * Byte-level tokens: ids 0..255 are UTF-8 bytes, then BOS and EOS. Any text
 * round-trips, no vocabulary file is needed, and the vocabulary stays tiny.
 */
export const BOS = 256;
export const EOS = 257;

const encoder = new TextEncoder();

/** Text to ids, with BOS first. */
export function encode(text: string): number[] {
  return [BOS, ...encoder.encode(text)];
}

/** Ids to text; special ids and ids outside the byte range are dropped. */
export function decode(ids: readonly number[]): string {
  const bytes = Uint8Array.from(ids.filter((t) => t >= 0 && t < 256));
  return new TextDecoder('utf-8', { fatal: false }).decode(bytes);
}
