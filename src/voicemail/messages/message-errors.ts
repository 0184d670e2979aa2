/**
 * Why a message action was refused, as stable codes (docs/errors.md) the API maps to
 * its own: an upload we cannot use, a target that does not exist for the caller, an
 * action the caller's role may not take, a request with nobody to send to.
 */
import { VoxmailError } from '../../shared/errors.js';
import type { AudioRejection } from '../ports.js';

export const MESSAGE_TARGET_NOT_FOUND = 'VM_MESSAGE_TARGET_NOT_FOUND';
export const MESSAGE_NO_TARGET = 'VM_MESSAGE_NO_TARGET';
export const MESSAGE_FORBIDDEN = 'VM_MESSAGE_FORBIDDEN';
export const AUDIO_UNSUPPORTED = 'VM_AUDIO_UNSUPPORTED';
export const AUDIO_TOO_LONG = 'VM_AUDIO_TOO_LONG';
export const AUDIO_EMPTY = 'VM_AUDIO_EMPTY';

/** A mailbox or list id outside the caller's tenant reads exactly like one that does not exist. */
export function targetNotFound(what: 'mailbox' | 'list'): VoxmailError {
  return new VoxmailError(MESSAGE_TARGET_NOT_FOUND, `no such ${what}`);
}

export function audioRejected(r: AudioRejection): VoxmailError {
  const code = r.code === 'unsupported' ? AUDIO_UNSUPPORTED : r.code === 'too-long' ? AUDIO_TOO_LONG : AUDIO_EMPTY;
  return new VoxmailError(code, r.message);
}
