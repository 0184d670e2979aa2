import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';

/** The built CLI (the e2e tests run what users run; `npm test` builds first). */
export const CLI_BIN = join(import.meta.dirname, '../../dist/cli/bin.js');

export interface CliRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The runner's environment without VOXMAIL_* (a developer's settings must not leak in). */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('VOXMAIL_')) env[k] = v;
  return { ...env, ...extra };
}

/** Collect a CLI child's output until it exits; killed and rejected after `timeoutMs`. */
export function finishCli(child: ChildProcessWithoutNullStreams, timeoutMs = 20_000): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`voxmail did not exit within ${String(timeoutMs)} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

export interface CliRunner {
  /** `voxmail ARGS --data <data>` (stdin optional). */
  readonly vox: (args: readonly string[], stdin?: string) => Promise<CliRun>;
  /** A command that must succeed with --json: its one JSON document. */
  readonly voxJson: <T>(args: readonly string[], stdin?: string) => Promise<T>;
  /** A command that must fail with `code`, print nothing on stdout and `voxmail: ...` on stderr. */
  readonly voxFails: (code: number, args: readonly string[], stdin?: string) => Promise<string>;
}

/** Runs the built CLI on one data directory; `onOutput` sees every stdout and stderr (e.g. to check no secret leaks). */
export function cliRunner(o: {
  cwd: string;
  data: string;
  onOutput?: (stdout: string, stderr: string) => void;
  /** Also require stderr to start with `voxmail: ` on failure (default true). */
  failuresSayVoxmail?: boolean;
}): CliRunner {
  const vox = async (args: readonly string[], stdin?: string): Promise<CliRun> => {
    const child = spawn(process.execPath, [CLI_BIN, ...args, '--data', o.data], { cwd: o.cwd, env: cleanEnv() });
    child.stdin.end(stdin ?? '');
    const r = await finishCli(child);
    o.onOutput?.(r.stdout, r.stderr);
    return r;
  };
  return {
    vox,
    async voxJson<T>(args: readonly string[], stdin?: string): Promise<T> {
      const r = await vox([...args, '--json'], stdin);
      assert.equal(r.code, 0, `voxmail ${args.join(' ')}\nstderr: ${r.stderr}`);
      return JSON.parse(r.stdout) as T;
    },
    async voxFails(code: number, args: readonly string[], stdin?: string): Promise<string> {
      const r = await vox(args, stdin);
      assert.equal(r.code, code, `voxmail ${args.join(' ')} exited ${String(r.code)}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
      assert.equal(r.stdout, '', 'nothing on stdout for a failure');
      if (o.failuresSayVoxmail ?? true) assert.match(r.stderr, /^voxmail: /);
      return r.stderr;
    },
  };
}
