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
import { LiveEvents } from './voicemail/live/live-events.js';
import { startHttp } from './compose/http.js';
import { createLogger } from './compose/logger.js';
import { createNotifications, type NotifyService } from './compose/notify.js';
import { applyProcessNice, applySipThreadNice } from './compose/process-priority.js';
import { ensureDemoMailbox, openStores } from './compose/open-store.js';
import { toSipStackOptions } from './compose/sip-options.js';
import { startVoicemail, type VoicemailService } from './compose/voicemail.js';
import type { MediaEngine } from './media/index.js';
import type { Config } from './config/index.js';
import type { BoundAddress } from './http/routes/health.js';
import type { HttpServer } from './http/server.js';
import { VoxmailError } from './shared/errors.js';
import type { Logger } from './shared/logger.js';
import { MwiSender, MwiService } from './notify/mwi/index.js';
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
  /** Where calls' media runs: in-process (`media.workers: 0`) or a `MediaWorkerPool` (its workers, for metrics and tests). */
  readonly media: MediaEngine;
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

/** The host in `Message-Account: sip:<mailbox>@<host>`: the first specific SIP address, else a name. */
function accountHostOf(sip: SipStack): string {
  const host = sip.boundAddresses.find((a) => a.host !== '0.0.0.0' && a.host !== '::')?.host;
  if (host === undefined) return 'voxmail';
  return host.includes(':') ? `[${host}]` : host;
}

export async function startVoxmail(config: Config, options: StartVoxmailOptions = {}): Promise<Voxmail> {
  const logger = options.logger ?? createLogger(config.log.level);
  logger.info({ version: VERSION, dataDir: config.dataDir, node: process.version }, 'voxmail starting');
  // Before any thread of ours starts (store writer, media workers): they inherit it.
  applyProcessNice(config.process.nice, logger);

  await prepareDataDir(config.dataDir);
  // After libuv's pool threads exist (made by the first asynchronous file operation, just
  // above): they keep the process's niceness. Threads of ours started later set their own.
  const threadNice = applySipThreadNice(config.sip.threadNice, logger);

  const stores = await openStores(config.dataDir, { logger: logger.child({ module: 'store' }), writer: config.store.writer, writerNice: threadNice });
  // One bus for the whole process: the call flow and the API publish, open inboxes listen.
  const live = new LiveEvents();
  let notify: NotifyService;
  let voicemail: VoicemailService;
  let sip: SipStack;
  try {
    if (await ensureDemoMailbox(stores.store)) logger.info({ tenant: 'demo', mailbox: '100' }, 'created the demo mailbox 100 (call sip:100@<this host>)');
    notify = createNotifications(config, stores, logger);
  } catch (e) {
    await stores.close();
    throw e;
  }
  /** Undo what was started, newest first, when a later step fails. */
  const unwind = async (): Promise<void> => {
    await notify.close();
    await stores.close();
  };
  try {
    voicemail = await startVoicemail(config, stores, notify, logger, (call) => sip.localContactAddress(call.source).host, live, threadNice);
  } catch (e) {
    await unwind();
    throw e;
  }
  try {
    sip = await SipStack.start(toSipStackOptions(config, logger.child({ module: 'sip' }), `Voxmail/${VERSION}`), voicemail.application);
  } catch (e) {
    await voicemail.close();
    await unwind();
    throw e;
  }
  // Message-waiting lamps: phones on trusted networks subscribe; NOTIFYs go out through the stack.
  const mwi = new MwiService({
    mailboxes: stores.store.mailboxes,
    messages: stores.store.messages,
    isTrusted: (source) => voicemail.admission.tenantOfAddress(source.remoteAddress),
    accountHost: accountHostOf(sip),
    logger: logger.child({ module: 'mwi' }),
  });
  sip.setSubscriptionHandler(mwi);
  notify.addSender(new MwiSender({ service: mwi, notifier: sip, logger: logger.child({ module: 'mwi' }) }));
  // Deliveries start once every channel exists.
  notify.start();

  let http: HttpServer;
  try {
    http = await startHttp({ config, stores, notify, live, logger, sipAddresses: () => sip.boundAddresses });
  } catch (e) {
    await sip.close();
    await voicemail.close();
    await unwind();
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
      // SIP first: ringing calls get 503, answered ones BYE; then their messages are stored.
      await sip.close();
      await voicemail.close();
      await notify.close();
      await stores.close();
    }
    logger.info('voxmail stopped');
  };

  return Object.freeze({
    sipAddresses: Object.freeze(sipAddresses),
    httpAddress: http.address,
    logger,
    media: voicemail.media,
    close: () => (closing ??= close()),
  });
}
