/**
 * The SIP stack alone, as `voxmail serve` would start it (UDP + TCP on one port, the
 * production defaults for timers and limits, `notFoundApplication`), for the OPTIONS
 * load benchmark when the built CLI (`dist/`) is not there. Runs in its own process so
 * that its CPU and memory can be measured apart from SIPp and the bench driver:
 *
 *   node --import tsx bench/options-server.ts [--host 127.0.0.1] [--port 0]
 *        [--max-transactions N] [--t1 MS] [--reference]
 *
 * stdout, one JSON object per line: `{"ready":true,"host":..,"port":..,"pid":..}` once
 * listening, then every second `{"stats":{...},"at":ms,"loopDelayMs":{p50,p99,max},...}`
 * (stack.stats(), event-loop delay over that second, heap and RSS). Exits on
 * SIGTERM/SIGINT after closing.
 *
 * `--reference` runs no SIP stack but the least a Node process can do to answer: one UDP
 * socket that sends each OPTIONS back with its first line replaced by "SIP/2.0 200 OK"
 * (SIPp accepts it: Via, Call-ID and CSeq are the request's). Its cost under the same
 * load is the "physical limit" the stack is compared with (docs: measure ratios).
 */
import dgram from 'node:dgram';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { DEFAULT_SIP_LIMITS, DEFAULT_SIP_TIMERS, SipStack, notFoundApplication } from '../src/sip/index.js';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '0' },
    'max-transactions': { type: 'string' },
    t1: { type: 'string' },
    reference: { type: 'boolean', default: false },
  },
});

const host = values.host;
if (host !== '127.0.0.1' && host !== '::1') throw new Error('the benchmark server listens on loopback only');
const port = Number(values.port);
const t0 = performance.now();

function write(o: unknown): void {
  process.stdout.write(JSON.stringify(o) + '\n');
}

/** Every second: event-loop delay (a stall delays every answer and shows up as SIPp retransmissions), heap, RSS. */
function reportEverySecond(extra: () => Record<string, unknown>): NodeJS.Timeout {
  const eld = monitorEventLoopDelay({ resolution: 5 });
  eld.enable();
  return setInterval(() => {
    const loopDelayMs = { p50: eld.percentile(50) / 1e6, p99: eld.percentile(99) / 1e6, max: eld.max / 1e6 };
    eld.reset();
    const mem = process.memoryUsage();
    write({ ...extra(), at: Math.round(performance.now() - t0), loopDelayMs, heapUsedMB: mem.heapUsed / 2 ** 20, rssMB: mem.rss / 2 ** 20 });
  }, 1000);
}

function onSignal(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (): void => {
    if (stopping) return;
    stopping = true;
    void stop().then(() => process.exit(0));
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}

async function runReference(): Promise<void> {
  const sock = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 << 20 });
  await new Promise<void>((r) => sock.bind(port, host, () => r()));
  let answered = 0;
  sock.on('message', (buf, rinfo) => {
    const text = buf.toString('latin1');
    const eol = text.indexOf('\r\n');
    if (eol < 0 || !text.startsWith('OPTIONS ')) return;
    sock.send(Buffer.from('SIP/2.0 200 OK' + text.slice(eol), 'latin1'), rinfo.port, rinfo.address);
    answered++;
  });
  write({ ready: true, host, port: sock.address().port, pid: process.pid, reference: true });
  const timer = reportEverySecond(() => ({ stats: { serverTransactions: 0, tcpConnections: 0 }, answered }));
  onSignal(() => {
    clearInterval(timer);
    return new Promise<void>((r) => sock.close(() => r()));
  });
}

async function runStack(): Promise<void> {
  const maxTransactions = values['max-transactions'] !== undefined ? Number(values['max-transactions']) : DEFAULT_SIP_LIMITS.maxTransactions;
  const t1 = values.t1 !== undefined ? Number(values.t1) : DEFAULT_SIP_TIMERS.t1;
  const stack = await SipStack.start(
    {
      listen: [{ host, port }],
      transports: ['udp', 'tcp'],
      timers: { t1 },
      limits: { maxTransactions },
      logger: pino({ level: 'warn' }, pino.destination(2)),
      userAgent: 'Voxmail-bench',
    },
    notFoundApplication,
  );
  write({ ready: true, host, port: stack.boundAddresses[0]!.port, pid: process.pid, maxTransactions, t1 });
  const timer = reportEverySecond(() => ({ stats: stack.stats() }));
  onSignal(() => {
    clearInterval(timer);
    return stack.close();
  });
}

await (values.reference ? runReference() : runStack());
