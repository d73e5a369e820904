import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { declaredUniforms, uniformMismatch, uniforms } from '../../src/kernels/uniforms.js';

// Every module of the engine, so every uniform declaration made at import time is here.
import.meta.glob('../../src/**/*.ts', { eager: true });

const SHADERS = join(__dirname, '../../shaders');

describe('kernel uniforms', () => {
  const layouts = declaredUniforms();

  it.each(layouts.map((l) => [l.shader, l]))(
    '%s: the TypeScript declaration and the WGSL struct Params agree field by field',
    (_, layout) => {
      expect(uniformMismatch(layout)).toBeUndefined();
    },
  );

  it('every shader with a struct Params has a declaration', () => {
    const withParams = readdirSync(SHADERS).filter(
      (f) => f.endsWith('.wgsl') && /struct\s+Params\b/.test(readFileSync(join(SHADERS, f), 'utf8')),
    );
    expect(withParams.length).toBeGreaterThan(10);
    expect(withParams.filter((f) => !layouts.some((l) => l.shader === f))).toEqual([]);
  });

  it('a declaration that disagrees in order, type or length is caught', () => {
    const code = 'struct Params { rows: u32, D: u32, eps: f32, _pad: u32 }';
    expect(uniformMismatch(uniforms('t.wgsl', code, { rows: 'u32', D: 'u32', eps: 'f32' }))).toBeUndefined();
    expect(uniformMismatch(uniforms('t.wgsl', code, { D: 'u32', rows: 'u32', eps: 'f32' }))).toMatch(
      /'rows' as field 0, the TypeScript declaration 'D'/,
    );
    expect(uniformMismatch(uniforms('t.wgsl', code, { rows: 'u32', D: 'u32', eps: 'u32' }))).toMatch(/field 'eps' is f32, declared u32/);
    expect(uniformMismatch(uniforms('t.wgsl', code, { rows: 'u32', D: 'u32' }))).toMatch(/'eps: f32' past the declared fields/);
    expect(uniformMismatch(uniforms('t.wgsl', code, { rows: 'u32', D: 'u32', eps: 'f32', extra: 'u32' }))).toMatch(/has '_pad' as field 3/);
    expect(uniformMismatch(uniforms('t.wgsl', '// struct Params { x: u32 }\nfn f() {}', { x: 'u32' }))).toMatch(/no struct Params/);
  });
});
