// How a command talks to the world, so that the same code runs from the terminal and
// in-process from the tests (their output captured, their exit code returned, a browser
// shared between them).
import { pathToFileURL } from 'node:url';
import type { Writable } from 'node:stream';
import { Command, CommanderError } from 'commander';
import { EngineError } from '../../src/index.js';
import { BrowserSetupError, type SharedBrowser } from './browser.js';

export interface CommandIo {
  /** Results: tables, JSON, the lines a user reads. */
  stdout: Writable;
  /** Progress (ora's spinner) and errors. */
  stderr: Writable;
  /** A browser and page server already running, to open the runner page in (tests share one). */
  browser?: SharedBrowser;
  /** Keep the Node runtime's device from one command to the next (tests share one). */
  shareNodeGpu?: boolean;
}

/** The runtimes already running that a command's io offers, for withRuntime. */
export const sharing = (io: CommandIo) => ({ shared: io.browser, shareNodeGpu: io.shareNodeGpu });

export const processIo: CommandIo = { stdout: process.stdout, stderr: process.stderr };

/** Writes one line to a stream. */
export const line = (stream: Writable, text: string): void => void stream.write(`${text}\n`);

/** A commander program whose help, errors and exits go through `io` instead of the process. */
export function command(name: string, io: CommandIo): Command {
  return new Command(name)
    .exitOverride()
    .configureOutput({ writeOut: (s) => void io.stdout.write(s), writeErr: (s) => void io.stderr.write(s) });
}

/**
 * Runs a command's main and returns its exit code: commander's for a bad flag (1, its message
 * printed by commander), 2 for bad input or setup the engine names (an engine error with its
 * code, no browser), 1 for anything else; main's own code otherwise (verify: 1 when a check
 * failed).
 */
export async function runCommand(io: CommandIo, main: () => Promise<number | void>): Promise<number> {
  try {
    return (await main()) ?? 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    if (e instanceof EngineError) line(io.stderr, `error [${e.code}]: ${e.message}`);
    else if (e instanceof BrowserSetupError) line(io.stderr, `error [BROWSER]: ${e.message}`);
    else line(io.stderr, e instanceof Error ? (e.stack ?? e.message) : String(e));
    return e instanceof EngineError || e instanceof BrowserSetupError ? 2 : 1;
  }
}

/** True when the module at `url` is the script node was started with (not imported by a test). */
export function isMain(url: string): boolean {
  return Boolean(process.argv[1]) && url === pathToFileURL(process.argv[1]!).href;
}
