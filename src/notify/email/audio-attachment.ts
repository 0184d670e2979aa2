/**
 * Whether a message mail carries the recording, and the bytes if it does. The owner's
 * choice (notification only / attach) comes with the payload; the size budget keeps
 * mails deliverable (most servers refuse 20–50 MB, and base64 adds a third); a message
 * deleted since the event is sent without audio instead of failing the mail.
 */
import type { AudioStore } from '../../voicemail/ports.js';
import type { MessageEventPayload } from '../../voicemail/notifications/payload.js';
import { attachmentFileName } from './format.js';
import type { AttachmentState } from './strings.js';

export interface LoadedAttachment {
  readonly state: AttachmentState;
  /** The WAV bytes when `state.kind` is `attached`. */
  readonly content: Buffer | null;
}

/** Store errors propagate: an unreadable store is worth a retry, not a mail without audio. */
export async function loadAttachment(
  audio: Pick<AudioStore, 'get' | 'stat'>,
  payload: MessageEventPayload,
  maxBytes: number,
): Promise<LoadedAttachment> {
  const action = payload.emailAction ?? 'notify';
  if (action === 'notify') return { state: { kind: 'not-requested' }, content: null };
  const { message, mailbox } = payload;
  const stat = await audio.stat(message.audioKey);
  if (stat === null) return { state: { kind: 'gone' }, content: null };
  if (stat.sizeBytes > maxBytes) return { state: { kind: 'too-large', sizeBytes: stat.sizeBytes }, content: null };
  const content = await audio.get(message.audioKey);
  if (content === null) return { state: { kind: 'gone' }, content: null };
  // Checked again on the bytes: the object may have been replaced between stat and get.
  if (content.length > maxBytes) return { state: { kind: 'too-large', sizeBytes: content.length }, content: null };
  const fileName = attachmentFileName(message.receivedAt, mailbox.timeZone, message.callerNumber);
  return {
    state: { kind: 'attached', fileName, sizeBytes: content.length, deleteAfter: action === 'attach-delete' },
    content,
  };
}
