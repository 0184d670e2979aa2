/**
 * Builds the voicemail service from the config and the opened stores: recovery of
 * recordings a crash interrupted, the prompts, the media environment, admission, the
 * SIP application and the retention job. main.ts starts the SIP stack with the
 * application this returns.
 */
import type { LiveEvents } from '../voicemail/live/live-events.js';
import { isIPv6 } from 'node:net';
import type { Config } from '../config/index.js';
import { LocalMediaEngine, MediaClock, MediaWorkerPool, OverloadGate, OverloadRefusalLog, PortAllocator, type MediaEngine } from '../media/index.js';
import { systemClock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { IncomingCall } from '../sip/index.js';
import { DepositAdmission } from '../voicemail/call/admission.js';
import { flowPrompts } from '../voicemail/call/flow-prompts.js';
import { VoicemailApplication } from '../voicemail/call/voicemail-app.js';
import { DepositService } from '../voicemail/deposit/deposit-service.js';
import { loadBuiltinPrompts } from '../voicemail/prompts/builtin-prompts.js';
import { PromptResolver } from '../voicemail/prompts/prompt-resolver.js';
import { RetentionJob } from '../voicemail/retention.js';
import type { NotifyService } from './notify.js';
import type { Stores } from './open-store.js';

export interface VoicemailService {
  readonly application: VoicemailApplication;
  readonly admission: DepositAdmission;
  readonly deposits: DepositService;
  /** Where calls' media runs (in-process, or the media worker pool). */
  readonly media: MediaEngine;
  /** Waits for calls in progress to store their messages, then stops the jobs and the media clock. */
  close(): Promise<void>;
}

const WILDCARDS = new Set(['0.0.0.0', '::', '']);

export async function startVoicemail(
  config: Config,
  stores: Stores,
  notify: NotifyService,
  logger: Logger,
  advertisedHost: (call: IncomingCall) => string,
  live: LiveEvents | null = null,
  /** The niceness new threads set themselves to (applySipThreadNice); null: they inherit. */
  threadNice: number | null = null,
): Promise<VoicemailService> {
  const { store, audio } = stores;
  const deposits = new DepositService(store, audio, logger.child({ module: 'deposit' }), { planner: notify.planner, queued: () => notify.kick() }, live);
  // Before the first call: whatever a crash left becomes a message (marked recovered) or a missed call.
  await deposits.recoverPending();
  const resolver = new PromptResolver({ store: audio, builtins: await loadBuiltinPrompts(), logger: logger.child({ module: 'prompts' }) });
  // media.workers 0: RTP, prompts and recordings on this thread; N: in N worker threads (ADR 0004).
  const engine: MediaEngine =
    config.media.workers === 0
      ? localEngine(config, logger.child({ module: 'media' }))
      : await MediaWorkerPool.start({
          workers: config.media.workers,
          portMin: config.rtp.portMin,
          portMax: config.rtp.portMax,
          sockets: config.rtp.sockets,
          readIntervalMs: config.rtp.readIntervalMs,
          logLevel: config.log.level,
          nice: config.media.workerNice !== 0 ? config.media.workerNice : threadNice,
          overloadRefuseMs: config.media.overloadRefuseMs,
          logger: logger.child({ module: 'media' }),
        });
  if (config.media.workers > 0) logger.info({ workers: config.media.workers }, 'media worker threads started');
  const admission = new DepositAdmission({ ...config.trust, clock: systemClock });
  const application = new VoicemailApplication({
    store,
    deposits,
    admission,
    prompts: flowPrompts(resolver),
    logger,
    media: {
      engine,
      clock: systemClock,
      inbandDtmf: false,
      addressFor: (call) => {
        // RTP listens where the INVITE arrived (or on every address when SIP does).
        const local = call.source.localAddress;
        const bind = WILDCARDS.has(local) ? (isIPv6(call.source.remoteAddress) ? '::' : '0.0.0.0') : local;
        return { bind, advertise: advertisedHost(call) };
      },
    },
  });
  const retention = new RetentionJob({ store, audio, clock: systemClock, logger: logger.child({ module: 'retention' }) });
  retention.start();
  let closing: Promise<void> | undefined;
  return {
    application,
    admission,
    deposits,
    media: engine,
    close: () =>
      (closing ??= (async () => {
        await application.drain();
        await retention.close();
        await engine.close();
      })()),
  };
}

/** `media.workers: 0`: the media on this thread, its clock feeding the overload gate. */
function localEngine(config: Config, log: Logger): LocalMediaEngine {
  const refuseMs = config.media.overloadRefuseMs;
  const gate = new OverloadGate({ refuseMs });
  return new LocalMediaEngine({
    allocator: new PortAllocator({ min: config.rtp.portMin, max: config.rtp.portMax, sockets: config.rtp.sockets, readIntervalMs: config.rtp.readIntervalMs }),
    mediaClock: new MediaClock({ clock: systemClock, logger: log, onSkip: (ms, now) => gate.noteSkip(ms, now) }),
    clock: systemClock,
    overload: { gate, log: new OverloadRefusalLog(log, refuseMs) },
  });
}
