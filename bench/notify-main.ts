/**
 * Runs the notifications bench on its own (until bench/run.ts registers it as `notify`):
 *   npx tsx bench/notify-main.ts [DEPOSITS] [CONCURRENCY]       (default 200 10)
 * BENCH_NOTIFY_TALK_S sets the audio per message (2 s). See bench/notify.ts.
 */
import { cpus } from 'node:os';
import { printNotifyBench, runNotifyBench } from './notify.js';

const [deposits, concurrency] = process.argv.slice(2).map(Number);
const env = (name: string): number | undefined => (process.env[name] ? Number(process.env[name]) : undefined);
const bad = (n: number | undefined): boolean => n !== undefined && (!Number.isInteger(n) || n <= 0);
if (bad(deposits) || bad(concurrency ?? env('BENCH_NOTIFY_CONCURRENCY'))) {
  console.error('usage: npx tsx bench/notify-main.ts [DEPOSITS] [CONCURRENCY]   (e.g. 200 10)');
  process.exit(2);
}
console.log(`Voxmail notifications bench — node ${process.version}, ${String(cpus().length)} CPU (${cpus()[0]?.model ?? '?'}), ${new Date().toISOString()}`);
try {
  const r = await runNotifyBench({
    deposits: deposits ?? 200,
    concurrency: concurrency ?? env('BENCH_NOTIFY_CONCURRENCY') ?? 10,
    talkSeconds: env('BENCH_NOTIFY_TALK_S') ?? 2,
  });
  printNotifyBench(r);
  process.exitCode = 0;
} catch (e) {
  console.error(`notify: could not run — ${(e as Error).stack ?? String(e)}`);
  process.exitCode = 1;
}
