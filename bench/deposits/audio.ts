/**
 * What the callers say and how each stored message is checked against it.
 *
 * The callers stream real speech (espeak-ng + sox, `makeSpeech`) over a quiet 150 Hz hum
 * at about −38 dBFS, as raw µ-law looped by SIPp: no 20 ms frame is below the recorder's
 * −45 dBFS silence threshold, so the mailbox's silence trimming and silence timeout never
 * act, and a message's length is exactly the audio between the end of the beep and the
 * BYE. Each message must then equal the sent audio sample for sample at some offset into
 * the loop (G.711 through a lossless path is bit-exact, so equality, not correlation).
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AUDIO_DIR, DEMO_MAILBOX_ID, DEMO_TENANT_ID, openStores } from '../../src/compose/open-store.js';
import { decodeUlaw, linearToUlaw } from '../../src/media/codec/g711.js';
import { parseWav } from '../../src/media/audio/wav.js';
import type { Message, MissedCall } from '../../src/voicemail/model.js';
import { beep } from '../../src/voicemail/prompts/beep.js';
import { findLoopedAlignment, makeSpeech, mismatches } from '../../test/support/audio-fixtures.js';
import { ROOT } from './server.js';

const SPEECH =
  'Hello, this is a test message for Voxmail. Please call me back at five five five, one two three four, ' +
  'about the delivery on Thursday morning. Thank you, goodbye.';

export interface CallerAudio {
  /** Raw µ-law for SIPp's rtp_stream. */
  readonly ulaw: string;
  /** The exact PCM the server decodes from it. */
  readonly pcm: Int16Array;
  readonly durationMs: number;
  /** Longest run of samples, anywhere in the loop, inside which every 20 ms frame is below −45 dBFS (ms). */
  readonly longestQuietMs: number;
  cleanup(): void;
}

const SILENCE_DBFS = -45;

export function makeCallerAudio(): CallerAudio {
  const s = makeSpeech(SPEECH, 'en');
  const speech = decodeUlaw(s.ulawBytes);
  const bytes = Buffer.alloc(speech.length);
  for (let i = 0; i < speech.length; i++) {
    const hum = Math.round(600 * Math.sin((2 * Math.PI * 150 * i) / 8000));
    bytes[i] = linearToUlaw(Math.max(-32768, Math.min(32767, speech[i]! + hum)));
  }
  const ulaw = join(s.dir, 'speech-hum.ulaw');
  writeFileSync(ulaw, bytes);
  const pcm = decodeUlaw(bytes);
  return {
    ulaw,
    pcm,
    durationMs: pcm.length / 8,
    longestQuietMs: longestQuietRun(pcm) / 8,
    cleanup: () => rmSync(s.dir, { recursive: true, force: true }),
  };
}

/**
 * Longest stretch of the looped audio in which a 160-sample window, at any start, is
 * below the silence threshold (samples; 0 when every window is voice): what the
 * recorder could see as silence whatever the frame alignment.
 */
function longestQuietRun(pcm: Int16Array): number {
  const n = pcm.length;
  const frame = 160;
  const limit = frame * (32768 * 10 ** (SILENCE_DBFS / 20)) ** 2;
  let energy = 0;
  for (let i = 0; i < frame; i++) energy += pcm[i % n]! ** 2;
  let run = 0;
  let longest = 0;
  for (let start = 0; start < n; start++) {
    if (energy < limit) {
      run++;
      longest = Math.max(longest, run + frame - 1);
    } else run = 0;
    energy += pcm[(start + frame) % n]! ** 2 - pcm[start]! ** 2;
  }
  return longest;
}

function promptSamples(name: string): number {
  const file = join(ROOT, 'prompts', 'en', `${name}.wav`);
  const wav = parseWav(readFileSync(file));
  if (!wav.ok) throw new Error(`${file}: ${wav.error}`);
  if (wav.value.sampleRate !== 8000) throw new Error(`${file} is not 8 kHz`);
  return wav.value.samples.length;
}

/** ms from the ACK to the end of the beep: default greeting + standard warning + beep (demo mailbox, English). */
export function introMs(): { greetingMs: number; warningMs: number; beepMs: number; totalMs: number } {
  const greetingMs = promptSamples('greeting-default') / 8;
  const warningMs = promptSamples('warning-standard') / 8;
  const beepMs = beep().length / 8;
  return { greetingMs, warningMs, beepMs, totalMs: greetingMs + warningMs + beepMs };
}

export interface CallExpectation {
  /** When SIPp sent the ACK (and started its rtp_stream), ms since the epoch. */
  readonly ackEpochMs: number;
  /** ms from SIPp's ACK to its BYE. */
  readonly ackToByeMs: number;
  /** ms the message should hold: ACK → BYE minus the intro. */
  readonly expectedMs: number;
}

export interface MessageCheck {
  /** Messages in the mailbox. */
  readonly messages: number;
  /** Messages of this run's calls that pass every check. */
  readonly complete: number;
  readonly missedCalls: number;
  /** Message duration − (ACK→BYE − intro), ms, per checked message (informative). */
  readonly offsetsMs: number[];
  /**
   * Where each recording starts in the caller's stream, relative to where the intro should
   * end (ACK + intro), ms: how late the beep ended (cold start, a busy server), plus SIPp's
   * own stream-start jitter. From the sample-exact alignment.
   */
  readonly startDelaysMs: number[];
  /** Caller audio sent after the recording's last sample until the BYE, ms (audio lost at the end). */
  readonly tailGapsMs: number[];
  /**
   * The server's end of the beep (the message's receivedAt, stamped when the deposit
   * begins, right after the beep) − (ACK + intro), ms: the greeting started late or
   * played slower than real time.
   */
  readonly beepLateMs: number[];
  /**
   * Recording start (in the caller's stream) − the server's end of the beep, ms: caller
   * audio that arrived after the beep and is not in the message (≤ 0: none).
   */
  readonly lostAfterBeepMs: number[];
  /** The same figures by Call-ID. */
  readonly perCall: Map<string, PerCall>;
  /** Messages missing more than the tolerance of their caller's audio after the beep or before the BYE. */
  readonly missingAudio: number;
  /** Messages that also hold more than the tolerance of audio from before the end of the beep. */
  readonly extraBeforeBeep: number;
  /**
   * Messages whose caller's stream ran behind its own signalling: they start with audio
   * from before the beep and end the same amount before the BYE, holding everything in
   * between (complete; see the rule in checkMessages).
   */
  readonly callerStreamLate: number;
  readonly audioMismatch: number;
  /** Messages whose Call-ID is not one of SIPp's calls. */
  readonly unknownCall: number;
  /** SIPp calls with no message. */
  readonly withoutMessage: number;
  /** The first few problems, spelled out. */
  readonly problems: string[];
  readonly missedCauses: string;
}

export interface PerCall {
  readonly offsetMs: number;
  readonly startDelayMs?: number;
  readonly tailGapMs?: number;
  readonly beepLateMs?: number;
  readonly lostAfterBeepMs?: number;
}

async function allMessages(list: (to: string | undefined) => Promise<Message[]>): Promise<Message[]> {
  const seen = new Map<string, Message>();
  let to: string | undefined;
  for (;;) {
    const page = await list(to);
    let fresh = 0;
    for (const m of page) {
      if (!seen.has(m.id)) {
        seen.set(m.id, m);
        fresh++;
      }
    }
    if (page.length < 1000 || fresh === 0) break;
    // Newest first; the next page ends just after the oldest seen (ids dedupe the overlap).
    const oldest = Math.min(...page.map((m) => Date.parse(m.receivedAt)));
    to = new Date(oldest + 1).toISOString();
  }
  return [...seen.values()];
}

/**
 * Opens the data directory's store (the server stopped or still running: SQLite WAL) and
 * checks every message of the demo mailbox against the calls SIPp placed.
 */
export async function checkMessages(
  dataDir: string,
  calls: ReadonlyMap<string, CallExpectation>,
  sent: Int16Array,
  introMs: number,
  toleranceMs: number,
): Promise<MessageCheck> {
  const stores = await openStores(dataDir);
  let messages: Message[];
  let missed: MissedCall[];
  try {
    messages = await allMessages((to) =>
      stores.store.messages.list({ tenantId: DEMO_TENANT_ID, mailboxId: DEMO_MAILBOX_ID, limit: 1000, ...(to ? { to } : {}) }),
    );
    missed = await stores.store.missedCalls.list({ tenantId: DEMO_TENANT_ID, mailboxId: DEMO_MAILBOX_ID, limit: 1000 });
  } finally {
    await stores.close();
  }
  const problems: string[] = [];
  const note = (s: string): void => {
    if (problems.length < 12) problems.push(s);
  };
  const offsetsMs: number[] = [];
  const startDelaysMs: number[] = [];
  const tailGapsMs: number[] = [];
  const perCall = new Map<string, PerCall>();
  const beepLateMs: number[] = [];
  const lostAfterBeepMs: number[] = [];
  const loop = sent.length;
  const introSamples = introMs * 8;
  let complete = 0;
  let missingAudio = 0;
  let extraBeforeBeep = 0;
  let callerStreamLate = 0;
  let audioMismatch = 0;
  let unknownCall = 0;
  const withMessage = new Set<string>();
  for (const m of messages) {
    const call = m.callId === null ? undefined : calls.get(m.callId);
    if (!call) {
      unknownCall++;
      note(`message ${m.id}: Call-ID ${String(m.callId)} is not one of SIPp's calls`);
      continue;
    }
    withMessage.add(m.callId!);
    let ok = true;
    const offset = m.durationMs - call.expectedMs;
    offsetsMs.push(offset);
    let where = '';
    const file = join(dataDir, AUDIO_DIR, ...m.audioKey.split('/'));
    const wav = parseWav(readFileSync(file));
    if (!wav.ok || wav.value.sampleRate !== 8000 || wav.value.channels !== 1) {
      ok = false;
      audioMismatch++;
      note(`${String(m.callId)}: ${file} is not an 8 kHz mono WAV (${wav.ok ? `${String(wav.value.sampleRate)} Hz` : wav.error})`);
    } else {
      const rec = wav.value.samples;
      if (Math.abs(rec.length / 8 - m.durationMs) > 1) note(`${String(m.callId)}: WAV holds ${String(rec.length / 8)} ms, the row says ${String(m.durationMs)} ms`);
      const k = alignment(rec, sent);
      const bad = k < 0 ? rec.length : mismatches(rec, sent, k);
      if (k >= 0) {
        // The stream position of the first sample: k plus whole loops, nearest to the intro's end.
        const start = k + loop * Math.round((introSamples - k) / loop);
        const delay = (start - introSamples) / 8;
        const tail = call.ackToByeMs - (start + rec.length) / 8;
        const beepEnd = Date.parse(m.receivedAt) - call.ackEpochMs;
        const late = beepEnd - introMs;
        const lost = start / 8 - beepEnd;
        startDelaysMs.push(delay);
        tailGapsMs.push(tail);
        beepLateMs.push(late);
        lostAfterBeepMs.push(lost);
        perCall.set(m.callId!, { offsetMs: offset, startDelayMs: delay, tailGapMs: tail, beepLateMs: late, lostAfterBeepMs: lost });
        where =
          `; the beep ended ${late.toFixed(0)} ms after ACK + intro (receivedAt), the recording starts ${lost.toFixed(0)} ms after that ` +
          `and ends ${tail.toFixed(0)} ms before the BYE`;
      }
      if (bad > 0) {
        ok = false;
        audioMismatch++;
        note(`${String(m.callId)}: ${k < 0 ? 'the first 0.5 s match the sent audio nowhere' : `${String(bad)} of ${String(rec.length)} samples differ from the sent audio${describeMismatch(rec, sent, k)}`}`);
      }
    }
    // Complete = nothing the caller sent between the end of the beep (receivedAt: when the
    // recording began, on the media thread's clock) and the BYE is missing (within the
    // tolerance). The length against
    // "ACK→BYE − intro" is not the test: it also moves with how late the greeting started
    // (measured on its own: beep late) and with SIPp's stream running ahead of its own
    // ACK under load (its packets are stamped from a cached clock).
    // Audio from before the end of the beep (a beep that ended late: SIPp, deaf, spoke on)
    // is counted apart — nothing is missing then; the lateness is the "beep late" figure.
    //
    // The end is judged net of any shift at the start. A SIPp stream that runs L ms behind
    // its own ACK (one of SIPp's RTP threads was late: calls placed one after another share
    // a thread and show the same shift) starts the message L ms before the beep and ends
    // it L ms before the BYE, with all the audio that arrived in between: nothing of it is
    // missing, and the server cannot record what the caller sends after hanging up. Such a
    // message holds (BYE − beep) of contiguous audio, sample for sample. The server's own
    // read lag shifts only the start (at hang-up the call's socket is drained), so it can
    // hide a lost tail only up to the audio it added before the beep.
    const placed = perCall.get(m.callId!);
    const lost = placed?.lostAfterBeepMs ?? NaN;
    const tail = placed?.tailGapMs ?? NaN;
    const missingAtEnd = tail - Math.max(0, -lost);
    if (lost < -toleranceMs) extraBeforeBeep++;
    if (placed !== undefined && lost <= toleranceMs && tail > toleranceMs && missingAtEnd <= toleranceMs) callerStreamLate++;
    if (placed !== undefined && !(lost <= toleranceMs && missingAtEnd <= toleranceMs)) {
      ok = false;
      missingAudio++;
      note(
        `${String(m.callId)}: ${String(m.durationMs)} ms stored (ACK→BYE − intro: ${call.expectedMs.toFixed(0)} ms, ${offset > 0 ? '+' : ''}${offset.toFixed(0)} ms)${where}`,
      );
    }
    if (ok) complete++;
  }
  const withoutMessage = [...calls.keys()].filter((c) => !withMessage.has(c)).length;
  const causes = new Map<string, number>();
  for (const x of missed) causes.set(x.cause, (causes.get(x.cause) ?? 0) + 1);
  return {
    messages: messages.length,
    complete,
    missedCalls: missed.length,
    offsetsMs,
    startDelaysMs,
    tailGapsMs,
    beepLateMs,
    lostAfterBeepMs,
    perCall,
    missingAudio,
    extraBeforeBeep,
    callerStreamLate,
    audioMismatch,
    unknownCall,
    withoutMessage,
    problems,
    missedCauses: [...causes].map(([c, n]) => `${c} ×${String(n)}`).join(', '),
  };
}

/**
 * The offset into the loop at which `rec` starts: `findLoopedAlignment` on the first
 * 0.5 s, or (when a lost packet sits there) on 0.5 s further in, shifted back.
 */
function alignment(rec: Int16Array, sent: Int16Array): number {
  const probe = Math.min(rec.length, 4000);
  const k = findLoopedAlignment(rec, sent, probe);
  if (k >= 0) return k;
  for (const from of [Math.floor(rec.length / 3), Math.floor((2 * rec.length) / 3)]) {
    if (from + probe > rec.length) continue;
    const k2 = findLoopedAlignment(rec.subarray(from), sent, probe);
    if (k2 >= 0) return (((k2 - from) % sent.length) + sent.length) % sent.length;
  }
  return -1;
}

/** Where the differences sit: in which 20 ms frames (first few), to tell lost packets from a shifted stream. */
function describeMismatch(rec: Int16Array, sent: Int16Array, k: number): string {
  const frames: number[] = [];
  for (let f = 0; f * 160 < rec.length; f++) {
    for (let i = f * 160; i < Math.min(rec.length, (f + 1) * 160); i++) {
      if (rec[i] !== sent[(k + i) % sent.length]) {
        frames.push(f);
        break;
      }
    }
  }
  const zeroFrames = frames.filter((f) => rec.subarray(f * 160, (f + 1) * 160).every((x) => x === 0)).length;
  return ` (${String(frames.length)} frames differ, ${String(zeroFrames)} of them silence, first at ${String((frames[0] ?? 0) * 20)} ms)`;
}
