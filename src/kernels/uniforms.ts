// A kernel's uniforms, declared once in TypeScript in the order of its WGSL `struct Params`.
// KernelCall writes fields by name from the declaration, and test/unit/uniforms.test.ts
// holds every declaration against its shader's struct, so the two cannot drift apart.

export type UniformType = 'u32' | 'f32';

/** The fields of one shader's `struct Params`, in order, with their types. */
export interface UniformLayout<F extends string = string> {
  /** The shader file the struct is in (for messages), and its source. */
  readonly shader: string;
  readonly code: string;
  readonly fields: readonly F[];
  readonly types: Readonly<Record<F, UniformType>>;
  /** Each field's word in the uniform buffer. */
  readonly index: Readonly<Record<F, number>>;
}

const declared: UniformLayout[] = [];

/**
 * Declares the uniforms of `shader` (its file name) whose source is `code`: the fields of its
 * `struct Params` in order, each 'u32' or 'f32'. Trailing WGSL fields named `_...` pad the
 * struct to 16 bytes and are not declared.
 */
export function uniforms<const T extends Record<string, UniformType>>(
  shader: string,
  code: string,
  fields: T,
): UniformLayout<keyof T & string> {
  type F = keyof T & string;
  const names = Object.keys(fields) as F[];
  const index = Object.fromEntries(names.map((f, i) => [f, i])) as Record<F, number>;
  const layout: UniformLayout<F> = Object.freeze({
    shader,
    code,
    fields: Object.freeze(names),
    types: Object.freeze({ ...fields }),
    index: Object.freeze(index),
  });
  declared.push(layout);
  return layout;
}

/** Every layout declared by the modules imported so far. */
export function declaredUniforms(): readonly UniformLayout[] {
  return declared;
}

/** The fields of the WGSL `struct Params` in `code`, in order; undefined when it has none. */
export function wgslParams(code: string): { name: string; type: string }[] | undefined {
  const body = /struct\s+Params\s*\{([^}]*)\}/.exec(code.replace(/\/\/[^\n]*/g, ''))?.[1];
  if (body === undefined) return undefined;
  return body
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean)
    .map((f) => {
      const [name, type] = f.split(':').map((s) => s.trim());
      return { name: name!, type: type ?? '' };
    });
}

/**
 * How a declaration disagrees with its shader's struct, or undefined when they agree: the
 * same names and types in the same order, then only `_` padding of u32.
 */
export function uniformMismatch(layout: UniformLayout): string | undefined {
  const wgsl = wgslParams(layout.code);
  if (!wgsl) return `${layout.shader} has no struct Params`;
  const where = `${layout.shader}: struct Params`;
  for (const [i, name] of layout.fields.entries()) {
    const f = wgsl[i];
    if (!f) return `${where} ends before field ${i}, '${name}'`;
    if (f.name !== name) return `${where} has '${f.name}' as field ${i}, the TypeScript declaration '${name}'`;
    if (f.type !== layout.types[name]) return `${where} field '${name}' is ${f.type}, declared ${layout.types[name]}`;
  }
  const extra = wgsl.slice(layout.fields.length).find((f) => !f.name.startsWith('_') || f.type !== 'u32');
  if (extra) return `${where} has '${extra.name}: ${extra.type}' past the declared fields (only '_' padding of u32 may follow)`;
  return undefined;
}
