/** Storage adapters for the voicemail ports; only the composition root picks one. */
export {
  openSqliteStore,
  STORE_MIGRATION_FAILED,
  STORE_OPEN_FAILED,
  STORE_WRITER_MODES,
  type SqliteStoreOptions,
  type StoreWriterMode,
} from './sqlite/open-sqlite-store.js';
export { STORE_CLOSED, STORE_WRITER_BUSY, STORE_WRITER_FAILED } from './sqlite/writer/store-writer.js';
export { FsAudioStore } from './audio/fs-audio-store.js';
export { AUDIO_KEY_RULE, isAudioKey } from './audio/audio-key.js';
export { STORE_CORRUPT } from './sql/row-mappers.js';
