/**
 * Entry point of a media worker thread (started by MediaWorkerPool): builds the host
 * with this thread's own clock and logger, and connects it to the parent port.
 */
import { hostname } from 'node:os';
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { pino } from 'pino';
import { systemClock } from '../../shared/clock.js';
import { REDACT_PATHS, REDACTED } from '../../shared/logger.js';
import { onReceiveBatchEnd } from '../rtp/index.js';
import { MediaWorkerHost } from './media-worker-host.js';
import { tuneMediaThread } from './thread-priority.js';
import type { FromWorker, ToWorker, WorkerInit } from './protocol.js';

const init = workerData as WorkerInit;
const port = parentPort;
if (port === null) throw new Error('media-worker-main.ts runs only as a worker thread');
// The same JSON lines on the same stdout as the main thread's logger (synchronous: a crash
// loses nothing), with the same redaction: the calls' bindings arrive unredacted (bindingsOf).
const logger = pino(
  {
    name: 'voxmail',
    level: init.logLevel,
    base: { pid: process.pid, hostname: hostname(), mediaWorker: init.index },
    redact: { paths: [...REDACT_PATHS], censor: REDACTED },
    timestamp: pino.stdTimeFunctions.isoTime,
  },
  pino.destination({ dest: 1, sync: true }),
);
tuneMediaThread(`vx-media-${String(init.index)}`, init.nice, logger);
const host = new MediaWorkerHost({
  portMin: init.portMin,
  portMax: init.portMax,
  sockets: init.sockets,
  ...(init.readIntervalMs !== undefined ? { readIntervalMs: init.readIntervalMs } : {}),
  clock: systemClock,
  logger,
  post: (msg: FromWorker) => port.postMessage(msg),
  // The same queue the 'message' listener reads, in the same order: a message taken here
  // is not emitted again.
  takeMessage: () => receiveMessageOnPort(port)?.message as ToWorker | undefined,
});
// And after each batch of received datagrams (the receive pass of a busy worker is long).
onReceiveBatchEnd(() => {
  try {
    host.takeWaiting();
  } catch (e) {
    logger.error({ err: e, code: 'VM_MEDIA_TICK_LISTENER' }, 'media worker: a message taken after a receive batch threw');
  }
});
port.on('message', (msg: ToWorker) => host.handle(msg));
port.postMessage({ t: 'ready' } satisfies FromWorker);
