// The commands end to end, every group in this one file so that they run in one worker,
// one after another: the commands in-process share one runner page and one Node device
// (setup.ts, commands.ts), so each kernel compiles once for all of them, and the worker
// runs beside the GPU tests' browser instead of two e2e workers beside it on two cores.
import './simulate.e2e.js';
import './generate.e2e.js';
import './real-models.e2e.js';
import './bench.e2e.js';
import './tune.e2e.js';
import './page.e2e.js';
