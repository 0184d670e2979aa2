/**
 * Why a settings change was refused. Stable codes (docs/errors.md); the API maps each to
 * its answer (400, 403). `field` names the setting, so a client can point at it. Audio
 * that cannot be used is refused with the codes uploads share with forwards
 * (VM_AUDIO_*, messages/message-errors.ts).
 */
import { VoxmailError } from '../../shared/errors.js';

export const SETTINGS_ERROR_CODES = [
  /** A value outside its rule (the message names the field and the rule). */
  'VM_SETTINGS_INVALID',
  /** The caller may see the record but not change this (an owner and an admin-only setting). */
  'VM_SETTINGS_FORBIDDEN',
] as const;
export type SettingsErrorCode = (typeof SETTINGS_ERROR_CODES)[number];

export class SettingsError extends VoxmailError {
  constructor(
    override readonly code: SettingsErrorCode,
    message: string,
    readonly field: string | null = null,
  ) {
    super(code, field === null ? message : `${field}: ${message}`);
    this.name = 'SettingsError';
  }
}

export const invalid = (field: string, message: string): SettingsError => new SettingsError('VM_SETTINGS_INVALID', message, field);
