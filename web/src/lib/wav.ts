/**
 * Peaks for the waveform straight from the WAV the server sends (8 kHz 16-bit PCM),
 * without the Web Audio decoder: the <audio> element streams the file itself with
 * Range requests, and wavesurfer only draws these peaks. Returns null for anything that
 * is not plain PCM 16-bit (the caller falls back to AudioContext.decodeAudioData).
 */
export interface WavPeaks {
  peaks: number[];
  durationSec: number;
}

export function wavPeaks(buffer: ArrayBuffer, buckets = 800): WavPeaks | null {
  const view = new DataView(buffer);
  if (buffer.byteLength < 12) return null;
  const tag = (at: number): string => String.fromCharCode(view.getUint8(at), view.getUint8(at + 1), view.getUint8(at + 2), view.getUint8(at + 3));
  if (tag(0) !== 'RIFF' || tag(8) !== 'WAVE') return null;
  let offset = 12;
  let format = 0;
  let channels = 0;
  let rate = 0;
  let bits = 0;
  let dataStart = -1;
  let dataLength = 0;
  while (offset + 8 <= buffer.byteLength) {
    const id = tag(offset);
    const size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === 'fmt ' && size >= 16 && body + 16 <= buffer.byteLength) {
      format = view.getUint16(body, true);
      channels = view.getUint16(body + 2, true);
      rate = view.getUint32(body + 4, true);
      bits = view.getUint16(body + 14, true);
    } else if (id === 'data') {
      dataStart = body;
      dataLength = Math.min(size, buffer.byteLength - body);
      break;
    }
    offset = body + size + (size % 2);
  }
  if (dataStart < 0 || format !== 1 || bits !== 16 || channels < 1 || rate <= 0) return null;
  const frames = Math.floor(dataLength / (2 * channels));
  const durationSec = frames / rate;
  const n = Math.max(1, Math.min(buckets, frames));
  const peaks = new Array<number>(n).fill(0);
  const per = frames / n;
  for (let i = 0; i < n; i++) {
    const from = Math.floor(i * per);
    const to = Math.max(from + 1, Math.floor((i + 1) * per));
    let max = 0;
    for (let f = from; f < to && f < frames; f++) {
      const v = Math.abs(view.getInt16(dataStart + f * 2 * channels, true)) / 32768;
      if (v > max) max = v;
    }
    peaks[i] = max;
  }
  return { peaks, durationSec };
}
