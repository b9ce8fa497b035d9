/** Child processes for the scripts: run with inherited output, or capture it. */
import { type ChildProcess, spawn } from 'node:child_process';
import { constants } from 'node:os';
import { PROJECT_ROOT } from './project.js';

export interface RunOptions {
  /** @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** @default the project root */
  readonly cwd?: string;
}

export interface Captured {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Children still running, so that a signal handler can pass the signal on. */
const running = new Set<ChildProcess>();

/** Sends `signal` to every child started through this module that is still running. */
export function signalChildren(signal: NodeJS.Signals): void {
  for (const child of running) child.kill(signal);
}

/**
 * Runs a command with the terminal's stdin/stdout/stderr and resolves with its exit code
 * (128 + n when a signal ended it). Never rejects for a non-zero exit.
 */
export function run(command: string, args: readonly string[], options: RunOptions = {}) {
  return new Promise<number>((resolvePromise, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? PROJECT_ROOT,
      env: options.env ?? process.env,
      stdio: 'inherit',
    });
    running.add(child);
    child.on('error', (error) => {
      running.delete(child);
      reject(error);
    });
    child.on('exit', (code, signal) => {
      running.delete(child);
      resolvePromise(code ?? 128 + signalNumber(signal));
    });
  });
}

/** Runs a command and collects its output; resolves with code 127 when it cannot be started. */
export function capture(command: string, args: readonly string[], options: RunOptions = {}) {
  return new Promise<Captured>((resolvePromise) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? PROJECT_ROOT,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', (error) => {
      running.delete(child);
      resolvePromise({ code: 127, stdout, stderr: `${stderr}${error.message}` });
    });
    child.on('close', (code, signal) => {
      running.delete(child);
      resolvePromise({ code: code ?? 128 + signalNumber(signal), stdout, stderr });
    });
  });
}

function signalNumber(signal: NodeJS.Signals | null): number {
  return signal ? constants.signals[signal] : 1;
}
