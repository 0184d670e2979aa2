/**
 * A media worker's log lines for a call (`media.workers` ≥ 1): the real server at `debug`,
 * a real call. The lines carry the call's bindings from the main thread (callId, tenant,
 * mailbox) once each, and the thread's own pid, hostname and name once each — the pool
 * sends the bindings unserialised (`bindingsOf`), and they used to repeat the main
 * thread's pid, hostname and name in every worker line.
 * Run: npx tsx --test test/e2e/voicemail/worker-log-lines.test.ts
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { killChildren } from '../../support/child-processes.js';
import { freeUdpTcpPort } from '../../support/ports.js';
import { callInProgress, closeRawCallers } from '../../support/raw-caller.js';
import { prepareData, randomRtpRange, TENANT, VoxmailProcess } from '../../support/voxmail.js';
import { waitFor } from '../../support/wait.js';

const tmp = mkdtempSync(join(tmpdir(), 'voxmail-worker-log-e2e-'));

after(async () => {
  closeRawCallers();
  await killChildren();
  rmSync(tmp, { recursive: true, force: true });
});

/** How many times `"key":` starts a member of the JSON object on this line (JSON.parse keeps only the last). */
function keyCount(line: string, key: string): number {
  return line.split(`"${key}":`).length - 1;
}

test("media.workers 1: a worker's lines for a call carry the call's bindings, and each key once", async () => {
  const dataDir = join(tmp, 'data');
  const stores = await prepareData(dataDir);
  await stores.store.mailboxes.create({ tenantId: TENANT, id: '100' });
  await stores.close();
  const server = await VoxmailProcess.spawn({ dataDir, sipPort: await freeUdpTcpPort(), rtp: await randomRtpRange(), mediaWorkers: 1, args: ['--log-level', 'debug'] });
  try {
    const port = server.sip.find((a) => a.transport === 'udp')!.port;
    const callId = `wlog-${String(process.pid)}`;
    const { caller, toTag } = await callInProgress(port, callId);
    await caller.bye(toTag);
    // The worker logs "RTP session closed" (debug) when the call's media closes.
    const workerLines = (): string[] => server.proc.stdout.split('\n').filter((l) => l.includes('"mediaWorker":') && l.includes(callId));
    await waitFor(() => workerLines().some((l) => l.includes('RTP session closed')), 5000, () => `a worker line for ${callId}:\n${server.proc.stdout.slice(-4000)}`);
    for (const line of workerLines()) {
      const o = JSON.parse(line) as Record<string, unknown>;
      assert.equal(o['callId'], callId, line);
      assert.equal(o['tenant'], TENANT, line);
      assert.equal(o['mailbox'], '100', line);
      assert.equal(o['pid'], server.proc.child.pid, line);
      assert.equal(o['name'], 'voxmail', line);
      assert.equal(typeof o['hostname'], 'string', line);
      for (const key of ['pid', 'hostname', 'name', 'mediaWorker', 'callId', 'tenant', 'mailbox']) assert.equal(keyCount(line, key), 1, `"${key}" once in ${line}`);
    }
  } finally {
    await server.stop();
  }
});
