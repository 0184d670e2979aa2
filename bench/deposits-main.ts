/**
 * Runs the deposits bench on its own (until bench/run.ts registers it):
 *   npx tsx bench/deposits-main.ts 50 100 500
 * Steps default to 500; BENCH_DEPOSITS_TALK_S sets the talk time (20 s). See bench/deposits.ts.
 */
import { cpus } from 'node:os';
import { printDepositsBench, runDepositsBench } from './deposits.js';

const steps = process.argv.slice(2).map(Number);
if (steps.some((n) => !Number.isInteger(n) || n <= 0)) {
  console.error('usage: npx tsx bench/deposits-main.ts [N ...]   (concurrent calls per step, e.g. 50 100 500)');
  process.exit(2);
}
const talkSeconds = Number(process.env['BENCH_DEPOSITS_TALK_S'] ?? 20);
console.log(`Voxmail deposits bench — node ${process.version}, ${String(cpus().length)} CPU (${cpus()[0]?.model ?? '?'}), ${new Date().toISOString()}`);
try {
  const r = await runDepositsBench({ steps: steps.length > 0 ? steps : [500], talkSeconds });
  printDepositsBench(r);
  process.exitCode = 0;
} catch (e) {
  console.error(`deposits: could not run — ${(e as Error).stack ?? String(e)}`);
  process.exitCode = 1;
}
