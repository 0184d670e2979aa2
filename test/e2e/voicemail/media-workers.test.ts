/**
 * `media.workers: 2` — the media of the calls in two worker threads, SIP and the call
 * flow on the main thread (ADR 0004): the many-callers scenario (test/support/many-callers.ts:
 * 50 callers at once, every message sample-exact and complete ±100 ms), and the calls were
 * spread over both workers (the server's RTP came from both port slices). Every other e2e
 * deposit test runs with workers too: VOXMAIL_TEST_MEDIA_WORKERS=2.
 * Needs sipp, dumpcap (tshark), espeak-ng, sox.
 * Run: npx tsx --test --test-concurrency=1 test/e2e/voicemail/media-workers.test.ts
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CALLERS, describeManyCallers } from '../../support/many-callers.js';

describeManyCallers({
  title: 'media.workers 2: ',
  mediaWorkers: 2,
  more: (ctx) => {
    test('the calls were spread over both workers’ port slices', () => {
      const { server, run } = ctx();
      // Two workers split the RTP block in two disjoint halves (worker-pool.ts).
      const half = server.rtp.min + 2 * Math.floor((server.rtp.max - server.rtp.min + 1) / 4);
      const ports = new Set(run.datagrams.filter((d) => d.srcPort >= server.rtp.min && d.srcPort <= server.rtp.max && d.srcPort % 2 === 0).map((d) => d.srcPort));
      const low = [...ports].filter((p) => p < half).length;
      const high = ports.size - low;
      assert.equal(ports.size, CALLERS, 'one RTP port per call');
      assert.ok(low >= CALLERS / 2 - 2 && high >= CALLERS / 2 - 2, `calls per worker: ${String(low)} and ${String(high)}`);
    });
  },
});
