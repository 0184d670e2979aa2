/**
 * The 44-byte RIFF/WAVE header of a PCM file (format 1).
 *
 *   offset  size  field
 *   0       4     "RIFF"
 *   4       4     RIFF size = 36 + data bytes (little-endian)
 *   8       4     "WAVE"
 *   12      4     "fmt "
 *   16      4     16 (fmt chunk size)
 *   20      2     1 (PCM)
 *   22      2     channels
 *   24      4     sample rate
 *   28      4     byte rate = rate × channels × bits/8
 *   32      2     block align = channels × bits/8
 *   34      2     bits per sample (16)
 *   36      4     "data"
 *   40      4     data bytes
 */
export const WAV_HEADER_BYTES = 44;

export function wavHeader(dataBytes: number, sampleRate = 8000, channels = 1, bitsPerSample = 16): Buffer {
  const h = Buffer.alloc(WAV_HEADER_BYTES);
  const blockAlign = (channels * bitsPerSample) / 8;
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(36 + dataBytes, 4);
  h.write('WAVE', 8, 'ascii');
  h.write('fmt ', 12, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(channels, 22);
  h.writeUInt32LE(sampleRate, 24);
  h.writeUInt32LE(sampleRate * blockAlign, 28);
  h.writeUInt16LE(blockAlign, 32);
  h.writeUInt16LE(bitsPerSample, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(dataBytes, 40);
  return h;
}
