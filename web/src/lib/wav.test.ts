import { describe, expect, it } from 'vitest';
import { wavPeaks } from './wav.js';

function wav(samples: number[], rate = 8000): ArrayBuffer {
  const buf = new ArrayBuffer(44 + samples.length * 2);
  const v = new DataView(buf);
  const str = (at: number, s: string): void => [...s].forEach((c, i) => v.setUint8(at + i, c.charCodeAt(0)));
  str(0, 'RIFF');
  v.setUint32(4, 36 + samples.length * 2, true);
  str(8, 'WAVE');
  str(12, 'fmt ');
  v.setUint32(16, 16, true);
  v.setUint16(20, 1, true);
  v.setUint16(22, 1, true);
  v.setUint32(24, rate, true);
  v.setUint32(28, rate * 2, true);
  v.setUint16(32, 2, true);
  v.setUint16(34, 16, true);
  str(36, 'data');
  v.setUint32(40, samples.length * 2, true);
  samples.forEach((s, i) => v.setInt16(44 + i * 2, s, true));
  return buf;
}

describe('wavPeaks', () => {
  it('reads duration and peaks of 16-bit PCM', () => {
    const samples = Array.from({ length: 8000 }, (_, i) => (i < 4000 ? 16384 : -32768));
    const r = wavPeaks(wav(samples), 2);
    expect(r?.durationSec).toBe(1);
    expect(r?.peaks).toEqual([0.5, 1]);
  });
  it('refuses what is not PCM 16-bit WAV', () => {
    expect(wavPeaks(new TextEncoder().encode('OggS not a wav file at all').buffer)).toBeNull();
    expect(wavPeaks(new ArrayBuffer(4))).toBeNull();
  });
});
