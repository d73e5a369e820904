// The import rules of the layout (README, "Where things live"): every import points down,
// and nothing imports in a circle. `npm run lint` checks them with dependency-cruiser.
//   bench, scripts, test            may import src
//   src/index.ts                    the public API: anything in src
//   serve                           model, sched, perf, kernels, gpu, numeric
//   load (model files)              model, text, numeric
//   text (tokenizers, templates)    nothing
//   perf                            model, kernels, gpu, numeric
//   model                           kernels, gpu, numeric
//   ref (the CPU reference)         model's data types (config, weights), numeric
//   kernels                         gpu, numeric
//   gpu                             numeric
//   sched (no GPU, no model)        numeric
//   numeric, errors.ts              nothing: the ground floor
const below = (layer, allowed, files = []) => ({
  name: `${layer}-imports-down`,
  comment: `src/${layer}/ may import only ${[...allowed, ...files].join(', ') || 'nothing'} (and errors.ts)`,
  severity: 'error',
  from: { path: `^src/${layer}/` },
  to: { path: '^src/', pathNot: [`^src/(${[layer, ...allowed].join('|')})/`, '^src/errors\\.ts$', ...files.map((f) => `^src/${f}$`)] },
});

module.exports = {
  forbidden: [
    { name: 'no-circular', comment: 'an import circle', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'src-stands-alone',
      comment: 'src/ is the engine: it never imports the bench, the tests or the scripts',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(bench|test|scripts)/' },
    },
    {
      name: 'errors-is-ground',
      severity: 'error',
      from: { path: '^src/errors\\.ts$' },
      to: { path: '^src/' },
    },
    below('numeric', []),
    below('gpu', ['numeric']),
    below('kernels', ['gpu', 'numeric']),
    below('ref', ['numeric'], ['model/config\\.ts', 'model/weights\\.ts']),
    below('model', ['kernels', 'gpu', 'numeric']),
    below('perf', ['model', 'kernels', 'gpu', 'numeric']),
    below('sched', ['numeric']),
    below('serve', ['model', 'sched', 'perf', 'kernels', 'gpu', 'numeric']),
    below('load', ['model', 'text', 'numeric']),
    below('text', []),
  ],
  options: {
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.wgsl' },
  },
};
