// Flags for every headless Chromium the project starts. WebGPU needs only the
// first; the rest keep a sandboxed, offline machine from stalling on network
// lookups and background services.
export const CHROMIUM_ARGS = [
  '--enable-unsafe-webgpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
];
