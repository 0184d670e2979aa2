/**
 * `npm run bench` — every benchmark; `npm run bench -- parse` (or options, media, deposits, notify, api) for one.
 * Prints one table per benchmark and a summary line per target. Not a test: the exit
 * code is 0 whether or not a target was met (1 only if a benchmark could not run).
 * See BENCHMARKS.md for the method and the latest figures.
 */
import { cpus } from 'node:os';
import { printApiBench, runApiBench } from './api.js';
import { printDepositsBench, runDepositsBench } from './deposits.js';
import { printNotifyBench, runNotifyBench } from './notify.js';
import { OPTIONS_TARGET, runOptionsBench } from './options.js';
import { benchMediaSessions, printMediaBench, targetFigures, type MediaBenchResult } from './media-sessions.js';
import { PARSE_TARGET_PER_S, runParseBench } from './parse.js';
import { int } from './table.js';

const KNOWN = ['parse', 'options', 'media', 'deposits', 'notify', 'api'] as const;
type Name = (typeof KNOWN)[number];

const asked = process.argv.slice(2).filter((a) => !a.startsWith('-'));
for (const a of asked) {
  if (!(KNOWN as readonly string[]).includes(a)) {
    console.error(`unknown benchmark "${a}"; choose from: ${KNOWN.join(', ')}`);
    process.exit(2);
  }
}
const selected: readonly Name[] = asked.length > 0 ? (asked as Name[]) : KNOWN;

console.log(`Voxmail benchmarks — node ${process.version}, ${String(cpus().length)} CPU (${cpus()[0]?.model ?? '?'}), ${new Date().toISOString()}`);

const summary: string[] = [];
let failed = false;

if (selected.includes('parse')) {
  const r = runParseBench();
  summary.push(
    `parse+createResponse+serialize: ${int(r.pipelinePerS)} msg/s — target ≥ ${int(PARSE_TARGET_PER_S)}/s ${r.targetMet ? 'met' : 'NOT met'}`,
  );
}

if (selected.includes('options')) {
  try {
    const r = await runOptionsBench();
    summary.push(r.summary);
  } catch (e) {
    failed = true;
    summary.push(`OPTIONS load (target ${int(OPTIONS_TARGET.rate)}/s × ${String(OPTIONS_TARGET.durationS)} s): could not run — ${(e as Error).message}`);
  }
}

if (selected.includes('media')) {
  try {
    const results: MediaBenchResult[] = [];
    for (const n of [250, 500, 1000]) results.push(...(await benchMediaSessions(n)));
    printMediaBench(results);
    const t = targetFigures(results);
    if (t === null) throw new Error('the CallMedia loop was not measured (BENCH_MEDIA_MODES)');
    const met = t.cpuPct <= 70 && t.lostIn === 0 && t.lostOut === 0 && t.lagP99Ms < 20;
    summary.push(
      `media: 1,000 calls (RTP in+out, player, recording to disk): ${t.cpuPct.toFixed(1)}% of a core (${t.ratio.toFixed(2)}× the bare dgram loop, ${t.ratioNative.toFixed(2)}× the bare native loop), lost ${String(t.lostIn)} in / ${String(t.lostOut)} out, loop lag p99 ${t.lagP99Ms.toFixed(1)} ms — target ≤ 70%, 0 lost, p99 < 20 ms ${met ? 'met' : 'NOT met'}`,
    );
  } catch (e) {
    failed = true;
    summary.push(`media sessions: could not run — ${(e as Error).message}`);
  }
}

if (selected.includes('deposits')) {
  // Issue 4: 500 concurrent 20-second deposits (BENCH_DEPOSITS_STEPS=500,1000,... to ramp).
  try {
    const steps = (process.env['BENCH_DEPOSITS_STEPS'] ?? '500').split(',').map(Number);
    const r = await runDepositsBench({ steps, talkSeconds: Number(process.env['BENCH_DEPOSITS_TALK_S'] ?? 20) });
    printDepositsBench(r);
    summary.push(r.summary);
  } catch (e) {
    failed = true;
    summary.push(`deposits: could not run — ${(e as Error).message}`);
  }
}

if (selected.includes('notify')) {
  // Issue 5: hang-up → e-mail / SMS / webhook accepted, over 200 deposits.
  try {
    const r = await runNotifyBench({ deposits: Number(process.env['BENCH_NOTIFY_DEPOSITS'] ?? 200), concurrency: 10 });
    printNotifyBench(r);
    summary.push(r.summary);
  } catch (e) {
    failed = true;
    summary.push(`notifications: could not run — ${(e as Error).message}`);
  }
}

if (selected.includes('api')) {
  // Issue 6: the message list of a 10,000-message box at 100 req/s, and the inbox's first render in Chromium.
  try {
    const r = await runApiBench();
    printApiBench(r);
    summary.push(...r.summary);
  } catch (e) {
    failed = true;
    summary.push(`API (message list of 10,000 messages, p99 ≤ 20 ms at 100 req/s): could not run — ${(e as Error).message}`);
  }
}

console.log('\nSummary:');
for (const s of summary) console.log(`  ${s}`);
process.exitCode = failed ? 1 : 0;
