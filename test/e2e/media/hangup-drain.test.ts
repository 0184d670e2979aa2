import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { decodeUlaw } from '../../../src/media/codec/g711.js';
import { parseWav } from '../../../src/media/audio/wav.js';
import { findLoopedAlignment, makeSpeech, mismatches } from '../../support/audio-fixtures.js';
import { startRelayedMediaApp, type RelayedMediaApp } from '../../support/relayed-media-app.js';
import { DTMF_1_PCAP, SHARED_SIPP, assertSippOk, runSipp } from '../../support/sipp.js';
import { portOf } from '../../support/stack.js';
import { waitFor } from '../../support/wait.js';

/**
 * A caller's last words reach us together with their BYE. When the server was busy at
 * that moment (here: the event loop blocked for 350 ms across the hang-up), the BYE and
 * the last packets are read in the same turn — and the recording must still end with
 * the very last audio the caller sent, not lose the busy moment's worth of speech.
 */
describe('hang-up after a busy moment', () => {
  let media: RelayedMediaApp;
  const speech = makeSpeech('The last words of this message arrive together with the hang up, while the server is busy.');
  const talkMs = 2000;

  before(async () => {
    // A relay that loses nothing: it counts every audio packet the caller sent.
    media = await startRelayedMediaApp(0, 0);
  });
  after(async () => {
    await media.close();
    rmSync(speech.dir, { recursive: true, force: true });
  });

  test('the audio sent just before the BYE is in the recording, to the last frame', async () => {
    const sipp = runSipp({
      scenario: `${SHARED_SIPP}/vm_uac_g711.xml`,
      target: { host: '127.0.0.1', port: portOf(media.stack) },
      service: '100',
      durationMs: talkMs,
      keys: { audio: `${speech.ulaw},-1,0`, dtmf: DTMF_1_PCAP },
      timeoutMs: 30_000,
    });
    // The scenario sends INFO, then talks for talkMs, then BYE: block the loop from
    // 150 ms before the BYE until 200 ms after it.
    await waitFor(() => [...media.app.calls.values()].some((c) => c.events.includes('info')), 15_000, () => 'the INFO');
    await new Promise((r) => setTimeout(r, talkMs - 150));
    const until = performance.now() + 350;
    while (performance.now() < until) {
      // busy: nothing is read from any socket meanwhile
    }
    const r = await sipp;
    assertSippOk(r);
    const rec = [...media.app.calls.values()][0]!;
    await waitFor(() => rec.events.includes('closed'), 5000, () => `events: ${rec.events.join(', ')}`);

    const wav = parseWav(readFileSync(rec.recording!.path));
    assert.ok(wav.ok);
    const recorded = wav.value.samples;
    const sent = decodeUlaw(speech.ulawBytes);
    const k = findLoopedAlignment(recorded, sent, 160);
    assert.ok(k >= 0, 'first frame not found in the sent audio');
    assert.equal(mismatches(recorded, sent, k), 0, 'recording differs from the audio sent');
    // SIPp streams the file from its start, 160 samples a packet: the caller's last
    // sample is at (packets × 160) in the looped file; the recording must end there.
    const sentSamples = media.relays[0]!.audioFromCaller * 160;
    const recordedEnd = k + recorded.length;
    const shortBy = (((sentSamples - recordedEnd) % sent.length) + sent.length) % sent.length;
    console.log(`# caller sent ${media.relays[0]!.audioFromCaller} audio packets; recording ${recorded.length / 8} ms ends ${shortBy / 8} ms before the caller's last sample`);
    assert.equal(shortBy, 0, `the recording ends ${shortBy / 8} ms before the caller's last audio`);
  });
});
