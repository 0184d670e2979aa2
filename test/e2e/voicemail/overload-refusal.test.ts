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
import { rawRequest, sdpOffer } from '../../support/raw-request.js';
import { UdpClient, statusOf } from '../../support/udp-client.js';
import { prepareData, randomRtpRange, TENANT, VoxmailProcess } from '../../support/voxmail.js';
import { waitFor } from '../../support/wait.js';

const tmp = mkdtempSync(join(tmpdir(), 'voxmail-overload-e2e-'));
const clients: UdpClient[] = [];
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

after(async () => {
  for (const c of clients) c.close();
  await killChildren();
  rmSync(tmp, { recursive: true, force: true });
});

/** A caller over raw UDP: INVITE with an offer towards its own RTP socket. */
class Caller {
  private constructor(
    readonly sip: UdpClient,
    readonly rtp: UdpClient,
    private readonly serverPort: number,
    readonly callId: string,
  ) {}

  static async open(serverPort: number, callId: string): Promise<Caller> {
    const sip = await UdpClient.open();
    const rtp = await UdpClient.open();
    clients.push(sip, rtp);
    return new Caller(sip, rtp, serverPort, callId);
  }

  /** Sends the INVITE and returns the final response. */
  async invite(): Promise<Buffer> {
    this.send('INVITE', 1, 'z9hG4bK-inv', undefined, sdpOffer(this.rtp.port));
    const final = await this.sip.waitFor((m) => (statusOf(m) ?? 0) >= 200, 5000);
    assert.ok(final, `${this.callId}: no final response to the INVITE`);
    return final;
  }

  ack(ok: Buffer): string {
    const toTag = /\r\nTo: [^\r\n]*;tag=([^\r\n;]+)/.exec(ok.toString('latin1'))?.[1];
    assert.ok(toTag, `${this.callId}: the 200 has no To tag`);
    this.send('ACK', 1, 'z9hG4bK-ack', toTag);
    return toTag;
  }

  async bye(toTag: string): Promise<void> {
    this.send('BYE', 2, 'z9hG4bK-bye', toTag);
    const ok = await this.sip.waitFor((m) => statusOf(m) === 200 && m.toString('latin1').includes('CSeq: 2 BYE'), 5000);
    assert.ok(ok, `${this.callId}: no 200 to the BYE`);
  }

  private send(method: string, cseq: number, branch: string, toTag?: string, body?: string): void {
    const text = rawRequest({ method, host: '127.0.0.1', port: this.serverPort, clientPort: this.sip.port, callId: this.callId, branch: `${branch}-${this.callId}`, cseq, ...(toTag ? { toTag } : {}), ...(body ? { body } : {}) });
    this.sip.send(text, this.serverPort);
  }
}

/** Places a call to mailbox 100 and waits until its greeting plays (the media clock runs). */
async function callInProgress(serverPort: number, callId: string): Promise<{ caller: Caller; toTag: string }> {
  const caller = await Caller.open(serverPort, callId);
  const ok = await caller.invite();
  assert.equal(statusOf(ok), 200, `${callId}: ${ok.toString('latin1').split('\r\n')[0] ?? ''}`);
  const toTag = caller.ack(ok);
  assert.ok(await caller.rtp.waitFor(() => true, 3000), `${callId}: no greeting RTP`);
  return { caller, toTag };
}

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

      const refused = await (await Caller.open(port, `ov${String(workers)}-refused`)).invite();
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
