/** Storage adapters for the voicemail ports; only the composition root picks one. */
export { openSqliteStore, STORE_MIGRATION_FAILED, STORE_OPEN_FAILED, type SqliteStoreOptions } from './sqlite/open-sqlite-store.js';
export { FsAudioStore } from './audio/fs-audio-store.js';
export { AUDIO_KEY_RULE, isAudioKey } from './audio/audio-key.js';
export { STORE_CORRUPT } from './sql/row-mappers.js';
