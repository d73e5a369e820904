// `node --import ./scripts/wgsl-register.mjs ...`: installs scripts/wgsl-hooks.mjs.
import { register } from 'node:module';

register('./wgsl-hooks.mjs', import.meta.url);
