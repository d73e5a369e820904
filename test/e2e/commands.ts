// The commands as a person runs them, called in-process: the same code from argument
// parsing to exit code, with stdout and stderr captured and the shared browser (setup.ts).
import { PassThrough } from 'node:stream';
import { inject } from 'vitest';
import type { CommandIo } from '../../bench/cli/io.js';

export interface CommandRun {
  code: number;
  stdout: string;
  stderr: string;
}

const collect = (stream: PassThrough) => {
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return () => Buffer.concat(chunks).toString('utf8');
};

/** Runs `command` (bench/cli/<name>.ts's exported command) with `args`, as `npm run <name> -- args` would. */
export function run(command: (argv: string[], io: CommandIo) => Promise<number>, ...args: string[]): Promise<CommandRun> {
  return runWith({ browser: inject('sharedBrowser'), shareNodeGpu: true }, command, ...args);
}

/** `run` with other shared runtimes (none: as a separate process would start). */
export async function runWith(
  shared: Pick<CommandIo, 'browser' | 'shareNodeGpu'>,
  command: (argv: string[], io: CommandIo) => Promise<number>,
  ...args: string[]
): Promise<CommandRun> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const [out, err] = [collect(stdout), collect(stderr)];
  const code = await command(args, { stdout, stderr, ...shared });
  stdout.end();
  stderr.end();
  return { code, stdout: out(), stderr: err() };
}

/** Runs a command that must succeed, and returns its stdout. */
export async function ok(command: (argv: string[], io: CommandIo) => Promise<number>, ...args: string[]): Promise<string> {
  const r = await run(command, ...args);
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr}`);
  return r.stdout;
}
