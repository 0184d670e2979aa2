/**
 * `voxmail serve`: load the configuration, start the server, stop it gracefully on
 * SIGINT/SIGTERM (exit 0). A second signal while stopping exits at once with 1.
 */
import type { Command } from 'commander';
import type { Voxmail } from '../main.js';
import { startVoxmail } from '../main.js';
import { addConfigOptions, loadConfigOrReport } from './config-options.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './exit-codes.js';

/** Longest a graceful stop may take before the process exits anyway. */
export const SHUTDOWN_TIMEOUT_MS = 10_000;
/** After a clean stop, how long a leftover handle may keep the process alive. */
const LINGER_MS = 2_000;

export function registerServeCommand(program: Command): Command {
  const cmd = program.command('serve').description('run the voicemail server (SIP + HTTP) in the foreground');
  addConfigOptions(cmd);
  cmd.action(async (opts: Record<string, unknown>) => {
    const config = loadConfigOrReport(opts);
    if (!config) {
      process.exitCode = EXIT_USAGE;
      return;
    }
    // The signals are ours from here on, through one listener that stays installed: without
    // a listener, a SIGTERM that comes while the server starts — or in the moment after it
    // said "voxmail started" — killed the process where it stood (about half of the tries);
    // and swapping listeners loses a signal that is already on its way to JavaScript (the
    // handle it arrived on is closed). One that comes during start-up is kept and stops the
    // server as soon as it is up.
    const early: NodeJS.Signals[] = [];
    let stop: ((signal: NodeJS.Signals) => void) | null = null;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stop === null) early.push(signal);
      else stop(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const release = (): void => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    };
    let app: Voxmail;
    try {
      app = await startVoxmail(config);
    } catch (e) {
      release();
      process.stderr.write(`voxmail: cannot start: ${describeError(e)}\n`);
      process.exitCode = EXIT_FAILURE;
      return;
    }
    stop = gracefulStop(app, release);
    for (const signal of early) stop(signal);
  });
  return cmd;
}

function describeError(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${e.message}` : e.message;
  }
  return String(e);
}

/** What a SIGINT/SIGTERM does once the server is up: stop it gracefully (a second one exits at once). */
function gracefulStop(app: Voxmail, release: () => void): (signal: NodeJS.Signals) => void {
  const { logger } = app;
  let stopping = false;

  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn({ signal }, 'second signal while stopping: exiting now');
      process.exit(EXIT_FAILURE);
    }
    stopping = true;
    logger.info({ signal }, 'signal received: stopping');
    const deadline = setTimeout(() => {
      logger.error({ timeoutMs: SHUTDOWN_TIMEOUT_MS }, 'graceful stop timed out: exiting');
      process.exit(EXIT_FAILURE);
    }, SHUTDOWN_TIMEOUT_MS);

    const finish = (code: number): void => {
      clearTimeout(deadline);
      release();
      process.exitCode = code;
      // Everything is closed, so the event loop should now be empty. If some handle
      // still keeps the process alive, say so and leave anyway (unref'd: it does not
      // itself keep the process alive).
      setTimeout(() => {
        logger.warn('still running after stop (a handle was left open): exiting');
        process.exit(code);
      }, LINGER_MS).unref();
    };
    app.close().then(
      () => finish(EXIT_OK),
      (e: unknown) => {
        logger.error({ err: e }, 'error while stopping');
        finish(EXIT_FAILURE);
      },
    );
  };

  return onSignal;
}
