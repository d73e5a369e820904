import { defineConfig } from 'vite';

// The bench page (bench/index.html, npm run dev) and the headless runner page (bench/runner.html)
// are served from the repository root so they import src/ and shaders/ directly;
// WGSL reaches the code through Vite's `?raw` imports.
export default defineConfig({
  server: { host: 'localhost' },
  build: {
    target: 'es2022',
    rollupOptions: { input: { runner: 'bench/runner.html', page: 'bench/index.html' } },
  },
});
