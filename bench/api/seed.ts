/**
 * The data directory of the API bench: one mailbox holding N messages (10,000 by
 * default), written through the store's own repositories exactly as a deposit writes
 * them — `deposits.begin` (pending row), the WAV written to the partial path and
 * `audio.commitPartial` (fsync + rename), `deposits.finish` (message row, search text) —
 * then `messages.setHeard` / `messages.move` for the ones heard, saved or trashed.
 *
 * The writes are ~2.7 transactions and 3 fsyncs per message, so the directory is built on
 * tmpfs (/dev/shm: fsync returns at once) and then copied to the disk temp directory the
 * server runs from — the server reads an ordinary on-disk database and audio tree.
 *
 * Contents (deterministic: a fixed-seed generator): received times spread over the last
 * 60 days, newest first ≈ 1 per 8.6 minutes; callers from 400 numbers (+7 495 / +7 916 …)
 * and 120 names, Cyrillic and Latin, 15% without a name; 40% unheard; 10% saved, 3% in
 * trash, the rest in the inbox; audio 0.3–1.0 s of a tone (8 kHz 16-bit WAV, 5–16 kB).
 */
import { randomUUID } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStores } from '../../src/compose/open-store.js';
import { toWav } from '../../src/media/index.js';
import { rng } from '../../test/support/random.js';

export const BENCH_TENANT = 'bench';
export const BENCH_MAILBOX = '500';

/** A rare caller (2 messages), a common name fragment and a term no message has: the search terms of the load. */
export const RARE_CALLER = '+74997770001';

export interface SeedResult {
  /** The data directory (on disk) the server runs on. */
  readonly dataDir: string;
  readonly messages: number;
  readonly unheardInbox: number;
  readonly seconds: number;
  /** Where it was built (tmpfs or the disk temp directory). */
  readonly builtOn: string;
}


const FIRST = ['Иван', 'Мария', 'Алексей', 'Ольга', 'Дмитрий', 'Анна', 'Сергей', 'Елена', 'Ivan', 'Maria', 'John', 'Anna', 'Peter', 'Olga', 'Paul'];
const LAST = ['Петров', 'Смирнова', 'Кузнецов', 'Попова', 'Соколов', 'Lebedev', 'Novak', 'Smith', 'Miller'];

/**
 * Builds `<dir>/data` with `count` messages in tenant `bench`, mailbox `500`
 * (retention 3,650 days and quota 100,000, so that the server's retention job and the
 * quota leave them alone). `dir` must exist and is where the data directory ends up.
 */
export async function seedMailbox(dir: string, count: number, log: (s: string) => void = () => undefined): Promise<SeedResult> {
  const t0 = performance.now();
  const useShm = process.env['BENCH_API_SEED_TMPFS'] !== '0' && isDir('/dev/shm');
  const buildRoot = useShm ? mkdtempSync(join('/dev/shm', 'voxmail-bench-api-seed-')) : dir;
  const buildDir = join(buildRoot, 'data');
  try {
    const stores = await openStores(buildDir);
    const { store, audio } = stores;
    try {
      await store.tenants.create({ id: BENCH_TENANT, name: 'Bench' });
      await store.mailboxes.create({
        tenantId: BENCH_TENANT,
        id: BENCH_MAILBOX,
        name: 'Reception (10k)',
        numbers: [BENCH_MAILBOX],
        language: 'en',
        retentionDays: 3650,
        savedRetentionDays: 3650,
        quotaMessages: 100_000,
      });
      const random = rng(6);
      const numbers = Array.from({ length: 400 }, (_, i) => (i % 3 === 0 ? `+7916${String(5_000_000 + i * 7919).padStart(7, '0')}` : `+7495${String(1_000_000 + i * 104_729).slice(-7)}`));
      const names = Array.from({ length: 120 }, (_, i) => `${FIRST[i % FIRST.length]!} ${LAST[Math.floor(i / FIRST.length) % LAST.length]!}`);
      const wavs = [300, 500, 700, 1000].map((ms) => {
        const n = ms * 8;
        return { ms, wav: toWav(Int16Array.from({ length: n }, (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 8000)))) };
      });
      const now = Date.now();
      const span = 60 * 86_400_000;
      const heard: string[] = [];
      const saved: string[] = [];
      const trashed: string[] = [];
      let unheardInbox = 0;
      for (let i = 0; i < count; i++) {
        // Two messages from RARE_CALLER, the rest from the pool.
        const rare = i === Math.floor(count / 3) || i === Math.floor((2 * count) / 3);
        const callerNumber = rare ? RARE_CALLER : numbers[Math.floor(random() * numbers.length)]!;
        const callerName = random() < 0.15 ? null : names[Math.floor(random() * names.length)]!;
        const receivedAt = new Date(now - Math.floor(random() * span)).toISOString();
        const id = randomUUID();
        const base = { tenantId: BENCH_TENANT, mailboxId: BENCH_MAILBOX, callerNumber, callerName, calledNumber: BENCH_MAILBOX, reason: 'no-answer' as const, receivedAt, callId: `bench-${String(i)}` };
        await store.deposits.begin({ id, ...base, minMessageMs: 0 });
        const w = wavs[Math.floor(random() * wavs.length)]!;
        writeFileSync(audio.partialPath(id), w.wav);
        const audioKey = `messages/${BENCH_TENANT}/${BENCH_MAILBOX}/${id}.wav`;
        const { sizeBytes } = await audio.commitPartial(id, audioKey);
        await store.deposits.finish(id, { id, ...base, durationMs: w.ms, recovered: false, audioKey, sizeBytes });
        const r = random();
        const isHeard = random() >= 0.4;
        if (isHeard) heard.push(id);
        if (r < 0.1) saved.push(id);
        else if (r < 0.13) trashed.push(id);
        else if (!isHeard) unheardInbox++;
        if ((i + 1) % 2000 === 0) log(`seeded ${String(i + 1)} / ${String(count)} messages (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
      }
      for (const id of heard) await store.messages.setHeard(BENCH_TENANT, id, true);
      for (const id of saved) await store.messages.move(BENCH_TENANT, id, 'saved');
      for (const id of trashed) await store.messages.move(BENCH_TENANT, id, 'trash');
      await stores.close();
      if (useShm) {
        mkdirSync(dir, { recursive: true });
        cpSync(buildDir, join(dir, 'data'), { recursive: true });
      }
      return { dataDir: join(dir, 'data'), messages: count, unheardInbox, seconds: (performance.now() - t0) / 1000, builtOn: useShm ? 'tmpfs, copied to disk' : 'disk' };
    } finally {
      await stores.close();
    }
  } finally {
    if (useShm) rmSync(buildRoot, { recursive: true, force: true });
  }
}

function isDir(p: string): boolean {
  try {
    const d = mkdtempSync(join(p, 'voxmail-probe-'));
    rmSync(d, { recursive: true, force: true });
    return true;
  } catch {
    return false;
  }
}

/** A fresh temp directory on disk for the bench (the data directory goes in it). */
export function benchTempDir(): string {
  return mkdtempSync(join(tmpdir(), 'voxmail-bench-api-'));
}
