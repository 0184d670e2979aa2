/**
 * `media.overloadRefuseMs`: while the media threads are too far behind real time, new
 * calls get 503 with Retry-After, the calls in progress go on, and calls are taken again
 * once the threads have kept time for the gate's 5 s window (ADR 0010).
 *
 * The real server (`voxmail serve` in its own process) is made to fall behind the way an
 * overloaded machine does it: the whole process is stopped (SIGSTOP) twice for 700 ms while a greeting plays,
 * so its media clocks wake up 700 ms late and skip ticks. Nothing is faked: the clocks,
 * the gate, the worker messages and the SIP answers are the product's own.
 * Run: npx tsx --test test/e2e/voicemail/overload-refusal.test.ts
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { killChildren, killTree } from '../../support/child-processes.js';
import { freeUdpTcpPort } from '../../support/ports.js';
import { callInProgress, closeRawCallers, RawCaller } from '../../support/raw-caller.js';
import { statusOf } from '../../support/udp-client.js';
import { prepareData, randomRtpRange, TENANT, VoxmailProcess } from '../../support/voxmail.js';
import { waitFor } from '../../support/wait.js';

const tmp = mkdtempSync(join(tmpdir(), 'voxmail-overload-e2e-'));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

after(async () => {
  closeRawCallers();
  await killChildren();
  rmSync(tmp, { recursive: true, force: true });
});

for (const workers of [0, 2]) {
  test(`media.workers ${String(workers)}: a server behind real time answers new calls 503 + Retry-After, keeps its calls, and takes calls again after 5 s`, async () => {
    const dataDir = join(tmp, `data-${String(workers)}`);
    const stores = await prepareData(dataDir);
    await stores.store.mailboxes.create({ tenantId: TENANT, id: '100' }); // rawRequest calls sip:100@
    await stores.close();
    const server = await VoxmailProcess.spawn({
      dataDir,
      sipPort: await freeUdpTcpPort(),
      rtp: await randomRtpRange(),
      mediaWorkers: workers,
      args: ['--media-overload-refuse-ms', '300'],
    });
    const child = server.proc.child;
    const port = server.sip.find((a) => a.transport === 'udp')!.port;
    try {

      // A call in every media thread (the workers take calls in turn): each clock runs.
      const running = [];
      for (let i = 0; i < Math.max(1, workers); i++) running.push(await callInProgress(port, `ov${String(workers)}-run${String(i)}`));

      // Never refused before: the server keeps time.
      assert.equal(server.log.filter((l) => l['code'] === 'VM_CALLS_REFUSED_OVERLOAD').length, 0);

      // Two stalls of 700 ms: each clock skips ~600 ms of ticks twice (≥ 300 ms, ≥ 2 stalls).
      for (let i = 0; i < 2; i++) {
        child.kill('SIGSTOP');
        await sleep(700);
        child.kill('SIGCONT');
        await sleep(300);
      }
      const stalledAt = Date.now();

      const refused = await (await RawCaller.open(port, `ov${String(workers)}-refused`)).invite();
      const text = refused.toString('latin1');
      assert.equal(statusOf(refused), 503, text);
      assert.match(text, /\r\nRetry-After: 5\r\n/, 'the PBX is told when to try again');
      const isRefusal = (l: Record<string, unknown>): boolean => l['code'] === 'VM_CALLS_REFUSED_OVERLOAD';
      await waitFor(() => server.log.some(isRefusal), 3000, () => `VM_CALLS_REFUSED_OVERLOAD in the log:\n${server.proc.stdout.slice(-3000)}`);
      const warned = server.log.find(isRefusal)!;
      assert.equal(warned['level'], 40, 'a warning');
      assert.equal(warned['refusedCalls'], 1);
      assert.ok(server.log.some((l) => l['code'] === 'VM_MEDIA_OVERLOAD'), 'the skipped ticks were reported too');

      // The calls in progress were not touched: their greetings still play.
      for (const r of running) {
        const before = r.caller.rtp.received.length;
        await sleep(200);
        assert.ok(r.caller.rtp.received.length > before, `${r.caller.callId}: its greeting stopped`);
      }

      // After the window the server takes calls again.
      await sleep(Math.max(0, stalledAt + 5_300 - Date.now()));
      const again = await callInProgress(port, `ov${String(workers)}-again`);
      for (const r of [...running, again]) await r.caller.bye(r.toTag);
    } finally {
      child.kill('SIGCONT');
      killTree(child, 'SIGTERM');
    }
    const r = await server.proc.exited;
    await server.stop(); // its config directory
    assert.equal(r.code, 0, server.proc.stderr);
  });
}
