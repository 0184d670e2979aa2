/**
 * The composition root: from a validated Config, build the concrete pieces (logger, data
 * directory, SIP stack, HTTP server) and wire them together. The only place that picks
 * adapters; everything below it takes what it needs as arguments.
 *
 * Signals and exit codes belong to the CLI (src/cli/serve-command.ts); this module only
 * starts and stops.
 */
import { constants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import { createLogger } from './compose/logger.js';
import { toSipStackOptions } from './compose/sip-options.js';
import type { Config } from './config/index.js';
import type { BoundAddress, HealthServer } from './http/health-server.js';
import { startHealthServer } from './http/health-server.js';
import { VoxmailError } from './shared/errors.js';
import type { Logger } from './shared/logger.js';
import { SipStack } from './sip/index.js';
import { VERSION } from './version.js';

export const DATA_DIR_UNUSABLE = 'VM_DATA_DIR_UNUSABLE';

export interface StartVoxmailOptions {
  /** Use this logger instead of a new one on stdout (tests). */
  readonly logger?: Logger | undefined;
}

export interface Voxmail {
  readonly sipAddresses: readonly BoundAddress[];
  readonly httpAddress: { readonly host: string; readonly port: number };
  readonly logger: Logger;
  /** Stops HTTP, then SIP. Idempotent: every call returns the same promise. */
  close(): Promise<void>;
}

async function prepareDataDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    await access(dir, constants.R_OK | constants.W_OK | constants.X_OK);
  } catch (e) {
    throw new VoxmailError(DATA_DIR_UNUSABLE, `data directory ${dir} cannot be created or written: ${(e as Error).message}`, { cause: e });
  }
}

export async function startVoxmail(config: Config, options: StartVoxmailOptions = {}): Promise<Voxmail> {
  const logger = options.logger ?? createLogger(config.log.level);
  logger.info({ version: VERSION, dataDir: config.dataDir, node: process.version }, 'voxmail starting');

  await prepareDataDir(config.dataDir);

  const sip = await SipStack.start(toSipStackOptions(config, logger.child({ module: 'sip' }), `Voxmail/${VERSION}`));

  let http: HealthServer;
  try {
    http = await startHealthServer({
      host: config.http.host,
      port: config.http.port,
      version: VERSION,
      sipAddresses: () => sip.boundAddresses,
      logger: logger.child({ module: 'http' }),
    });
  } catch (e) {
    await sip.close();
    throw e;
  }

  const sipAddresses = sip.boundAddresses.map((a) => Object.freeze({ transport: a.transport, host: a.host, port: a.port }));
  logger.info({ sip: sipAddresses, http: http.address }, 'voxmail started');

  let closing: Promise<void> | undefined;
  const close = async (): Promise<void> => {
    logger.info('voxmail stopping');
    try {
      await http.close();
    } finally {
      await sip.close();
    }
    logger.info('voxmail stopped');
  };

  return Object.freeze({
    sipAddresses: Object.freeze(sipAddresses),
    httpAddress: http.address,
    logger,
    close: () => (closing ??= close()),
  });
}
