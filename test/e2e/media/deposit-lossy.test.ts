import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { decodeUlaw } from '../../../src/media/codec/g711.js';
import { parseWav } from '../../../src/media/audio/wav.js';
import { findLoopedAlignment, makeSpeech } from '../../support/audio-fixtures.js';
import { startRelayedMediaApp, type RelayedMediaApp } from '../../support/relayed-media-app.js';
import { DTMF_1_PCAP, SHARED_SIPP, assertSippOk, runSipp } from '../../support/sipp.js';
import { portOf } from '../../support/stack.js';
import { waitFor } from '../../support/wait.js';

/**
 * Through a relay that loses 5% of the caller's packets and reorders some, the
 * recording keeps real time: every 20 ms frame is either the audio sent for that very
 * moment or silence for a lost packet, and the length is within 40 ms of the real time the caller sent.
 */
describe('deposit over a lossy, reordering network', () => {
  let media: RelayedMediaApp;
  const speech = makeSpeech('This message crosses a bad network. Some packets are lost and some arrive out of order, and the recording must still keep real time.');

  before(async () => {
    media = await startRelayedMediaApp(0.05, 0.05);
  });
  after(async () => {
    await media.close();
    rmSync(speech.dir, { recursive: true, force: true });
  });

  test('5% loss + reordering: frames in their real-time place, length within 40 ms', async () => {
    const r = await runSipp({
      scenario: `${SHARED_SIPP}/vm_uac_g711.xml`,
      target: { host: '127.0.0.1', port: portOf(media.stack) },
      service: '100',
      durationMs: 4000,
      keys: { audio: `${speech.ulaw},-1,0`, dtmf: DTMF_1_PCAP },
      timeoutMs: 30_000,
    });
    assertSippOk(r);
    const rec = [...media.app.calls.values()][0]!;
    await waitFor(() => rec.events.includes('closed'), 5000, () => `events: ${rec.events.join(', ')}`);
    const relay = media.relays[0]!;
    assert.ok(relay.dropped >= 10 && relay.reordered >= 10, `relay dropped ${relay.dropped}, reordered ${relay.reordered}`);

    const wav = parseWav(readFileSync(rec.recording!.path));
    assert.ok(wav.ok);
    const recorded = wav.value.samples;
    const sent = decodeUlaw(speech.ulawBytes);
    const k = findLoopedAlignment(recorded, sent, 160);
    assert.ok(k >= 0, 'first frame not found in the sent audio');

    // Frame by frame: the audio sent for that instant, or silence where a packet was lost.
    let exact = 0;
    let silent = 0;
    const wrong: number[] = [];
    for (let f = 0; f + 160 <= recorded.length; f += 160) {
      let same = true;
      let zero = true;
      for (let i = f; i < f + 160; i++) {
        if (recorded[i] !== sent[(k + i) % sent.length]) same = false;
        if (recorded[i] !== 0) zero = false;
      }
      if (same) exact++;
      else if (zero) silent++;
      else wrong.push(f / 160);
    }
    assert.deepEqual(wrong, [], 'frames out of their real-time place');
    assert.ok(silent >= 5, `expected silence where packets were lost, got ${silent} silent frames`);
    assert.ok(exact > 150, `only ${exact} frames matched`);

    // Real time is the caller's: SIPp sends one 20 ms packet every 20 ms, so the audio
    // it sent lasts (packets × 20 ms) — lost ones included. (A wall-clock span measured
    // in this process would move with its own scheduling: the relay runs here too.)
    const callerMs = relay.audioFromCaller * 20;
    const wallMs = relay.lastAudioAt - relay.firstAudioAt + 20;
    const recordedMs = recorded.length / 8;
    const shortBy = (((relay.audioFromCaller * 160 - (k + recorded.length)) % sent.length) + sent.length) % sent.length;
    console.log(`# relay dropped ${relay.dropped} reordered ${relay.reordered}; frames exact ${exact} silent ${silent}; recorded ${recordedMs.toFixed(1)} ms, caller sent ${callerMs} ms (wall clock here ${wallMs.toFixed(1)} ms); starts ${k / 8} ms into the caller's audio, ends ${shortBy / 8} ms before its last packet`);
    assert.ok(Math.abs(recordedMs - callerMs) <= 40, `recording ${recordedMs.toFixed(0)} ms vs ${callerMs} ms of real time sent`);
  });
});
