/**
 * Every failure the engine reports on purpose is an EngineError with a stable
 * `code`, so callers (the CLI, the bench page, tests) can branch on the kind of
 * failure without parsing messages. Messages say what to do next.
 */
export class EngineError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** No WebGPU adapter could be found (no browser flag, no driver). */
export class NoAdapterError extends EngineError {
  constructor(detail: string) {
    super(
      'NO_ADAPTER',
      `No WebGPU adapter: ${detail}. In Chrome/Chromium start with --enable-unsafe-webgpu ` +
        '(headless runs need it too) and serve the page from http://localhost; from the CLI pass ' +
        '--browser /path/to/chromium or set CHROME_PATH. On Debian: apt-get install -y chromium.',
    );
  }
}

/** The adapter lacks something the engine cannot work around. */
export class UnsupportedAdapterError extends EngineError {
  constructor(detail: string) {
    super('UNSUPPORTED_ADAPTER', detail);
  }
}

/** A model or kernel shape does not fit the device's limits. */
export class LimitExceededError extends EngineError {
  constructor(
    readonly limit: string,
    readonly needed: number,
    readonly allowed: number,
    what: string,
  ) {
    super(
      'LIMIT_EXCEEDED',
      `${what} needs ${limit} >= ${needed}, but this device allows ${allowed}. ` +
        'Pick a smaller model preset or a GPU with larger limits.',
    );
  }
}

/** A model configuration that cannot describe a working model. */
export class ConfigError extends EngineError {
  constructor(detail: string) {
    super('BAD_CONFIG', `Bad model config: ${detail}`);
  }
}

/** A kernel set the kernels cannot run: an unknown setting, a value of the wrong type, a shape past the device. */
export class KernelSetError extends EngineError {
  constructor(detail: string) {
    super('BAD_KERNELS', `Bad kernel set: ${detail}`);
  }
}

/** A weights file that cannot be trusted; `reason` names the check that failed. */
export class WeightsFormatError extends EngineError {
  constructor(
    readonly reason: 'truncated' | 'bad-header' | 'bad-offsets' | 'missing-tensor' | 'bad-shape' | 'unsupported-dtype',
    detail: string,
  ) {
    super('BAD_WEIGHTS', `Weights file rejected (${reason}): ${detail}`);
  }
}

/** A request that does not fit in the model's context window. */
export class ContextOverflowError extends EngineError {
  constructor(
    readonly promptTokens: number,
    readonly maxTokens: number,
    readonly contextLength: number,
  ) {
    super(
      'CONTEXT_OVERFLOW',
      maxTokens === 0
        ? `Prompt of ${promptTokens} tokens is longer than the context (${contextLength} tokens).`
        : `Prompt of ${promptTokens} tokens plus ${maxTokens} new tokens would run past the context ` +
            `(${contextLength} tokens); lower --max-tokens to at most ${Math.max(0, contextLength - promptTokens)}.`,
    );
  }
}

/** A request the engine refuses before doing any work (empty prompt, maxTokens <= 0). */
export class InvalidRequestError extends EngineError {
  constructor(detail: string) {
    super('BAD_REQUEST', detail);
  }
}

/** WGSL that failed to compile or a pipeline that failed to build, named by kernel. */
export class ShaderCompileError extends EngineError {
  constructor(
    readonly kernel: string,
    detail: string,
  ) {
    super('SHADER_COMPILE', `Kernel '${kernel}' failed to compile: ${detail}`);
  }
}

/** The GPU device was lost; the engine must be recreated. */
export class DeviceLostError extends EngineError {
  constructor(detail: string) {
    super('DEVICE_LOST', `GPU device lost: ${detail}. Recreate the engine to continue.`);
  }
}

/** A model whose architecture (or a feature of it) the engine does not run; said before anything is loaded. */
export class UnsupportedModelError extends EngineError {
  constructor(
    readonly architecture: string,
    detail: string,
  ) {
    super('UNSUPPORTED_MODEL', `Unsupported model '${architecture}': ${detail}`);
  }
}

/** A model folder or file that lacks what a model needs (config, tokenizer, a shard), or whose parts disagree. */
export class ModelFilesError extends EngineError {
  constructor(detail: string) {
    super('BAD_MODEL_FILES', detail);
  }
}

/** A chat template that failed to render; the message names the template line where it can. */
export class ChatTemplateError extends EngineError {
  constructor(
    readonly line: number | undefined,
    detail: string,
  ) {
    super('CHAT_TEMPLATE', `The model's chat template failed${line === undefined ? '' : ` at line ${line}`}: ${detail}`);
  }
}
