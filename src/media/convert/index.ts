/** Uploads and text to prompt audio (ffmpeg, espeak-ng); see README.md. */
export {
  FfmpegAudioConverter,
  LENGTH_TOLERANCE_MS,
  MAX_SPEECH_CHARS,
  MIN_AUDIO_MS,
  type ConvertedAudio,
  type ConvertRejection,
  type ConvertResult,
  type FfmpegConverterOptions,
  type SpeechLanguage,
} from './ffmpeg-converter.js';
export { measureLoudness, TARGET_LOUDNESS, type Loudness } from './loudness.js';
