import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { decodeUlaw } from '../../../src/media/codec/g711.js';
import { parseWav } from '../../../src/media/audio/wav.js';
import { tone } from '../../../src/media/audio/tone.js';
import type { SipStack } from '../../../src/sip/index.js';
import { findLoopedAlignment, makeSpeech, mismatches } from '../../support/audio-fixtures.js';
import { MediaTestApp } from '../../support/media-app.js';
import { DTMF_1_PCAP, SHARED_SIPP, assertSippOk, runSipp } from '../../support/sipp.js';
import { portOf, startStack } from '../../support/stack.js';
import { waitFor } from '../../support/wait.js';

/**
 * A caller (SIPp) streams real speech as G.711 µ-law RTP into the SIP core + media
 * engine: the recording equals what was sent, sample for sample, and the DTMF sent as
 * RFC 4733 and as SIP INFO arrives once each.
 */
describe('deposit from SIPp: recorded audio equals the sent µ-law', () => {
  let stack: SipStack;
  let app: MediaTestApp;
  const speech = makeSpeech('Hello, this is a test message for Voxmail. Please call me back at five five five, one two three four. Thank you, goodbye.');

  before(async () => {
    app = new MediaTestApp({ prompt: tone({ frequency: 1000, durationMs: 400 }) });
    stack = await startStack(app);
  });
  after(async () => {
    await stack.close();
    await app.settle();
    app.close();
    rmSync(speech.dir, { recursive: true, force: true });
  });

  test('one call: 5 s of speech recorded sample-exact, DTMF 1 (RFC 4733) and 5 (INFO)', async () => {
    const r = await runSipp({
      scenario: `${SHARED_SIPP}/vm_uac_g711.xml`,
      target: { host: '127.0.0.1', port: portOf(stack) },
      service: '100',
      durationMs: 3000,
      keys: { audio: `${speech.ulaw},-1,0`, dtmf: DTMF_1_PCAP },
      timeoutMs: 30_000,
    });
    assertSippOk(r);
    const rec = [...app.calls.values()][0]!;
    await waitFor(() => rec.events.includes('closed'), 5000, () => `events: ${rec.events.join(', ')}`);
    assert.ok(rec.recording, 'no recording');

    const wav = parseWav(readFileSync(rec.recording.path));
    assert.ok(wav.ok, wav.ok ? '' : wav.error);
    assert.equal(wav.value.sampleRate, 8000);
    const recorded = wav.value.samples;
    const sent = decodeUlaw(speech.ulawBytes);
    // 2 s + 3 s of talk after the ACK, minus the 0.4 s beep before recording starts.
    assert.ok(recorded.length > 8000 * 3.5, `only ${recorded.length / 8000} s recorded`);
    const k = findLoopedAlignment(recorded, sent);
    assert.ok(k >= 0, 'the recording does not match the sent audio anywhere');
    assert.equal(mismatches(recorded, sent, k), 0, 'every recorded sample equals the sent one');

    const digits = rec.digits.map((d) => `${d.digit}/${d.source}`).sort();
    assert.deepEqual(digits, ['1/rfc4733', '5/info']);
    const stats = rec.media!.stats();
    assert.equal(stats.droppedWrongSource, 0);
  });
});
