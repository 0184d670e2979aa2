/**
 * The rows of forwarded and broadcast copies. A forward keeps who called whom and when
 * (`callerNumber`, `callerName`, `calledNumber`, `reason`, `receivedAt`) so the copy reads
 * like the original in the target's list; a broadcast comes from the sender (name and
 * login as the caller) and is received now. Each copy has its own id and its own WAV
 * under the target mailbox's key.
 */
import { randomUUID } from 'node:crypto';
import type { Message, User } from '../model.js';
import type { MessageCopy } from './message-actions.js';

export function messageAudioKey(tenantId: string, mailboxId: string, id: string): string {
  return `messages/${tenantId}/${mailboxId}/${id}.wav`;
}

export interface CopyAudio {
  readonly wav: Buffer;
  readonly durationMs: number;
  readonly commentMs: number;
}

export function forwardCopies(source: Message, targets: readonly string[], audio: CopyAudio, by: User): MessageCopy[] {
  return targets.map((mailboxId) => {
    const id = randomUUID();
    return {
      wav: audio.wav,
      message: {
        id,
        tenantId: source.tenantId,
        mailboxId,
        callerNumber: source.callerNumber,
        callerName: source.callerName,
        calledNumber: source.calledNumber,
        reason: source.reason,
        receivedAt: source.receivedAt,
        durationMs: audio.durationMs,
        recovered: false,
        audioKey: messageAudioKey(source.tenantId, mailboxId, id),
        sizeBytes: audio.wav.length,
        callId: null,
        origin: 'forward',
        forwardedBy: by.login,
        commentMs: audio.commentMs,
        transcript: null,
      },
    };
  });
}

export function broadcastCopies(tenantId: string, targets: readonly string[], audio: { readonly wav: Buffer; readonly durationMs: number }, by: User, at: Date): MessageCopy[] {
  const receivedAt = at.toISOString();
  return targets.map((mailboxId) => {
    const id = randomUUID();
    return {
      wav: audio.wav,
      message: {
        id,
        tenantId,
        mailboxId,
        callerNumber: by.login,
        callerName: by.name,
        calledNumber: null,
        reason: 'unknown',
        receivedAt,
        durationMs: audio.durationMs,
        recovered: false,
        audioKey: messageAudioKey(tenantId, mailboxId, id),
        sizeBytes: audio.wav.length,
        callId: null,
        origin: 'broadcast',
        forwardedBy: by.login,
        commentMs: 0,
        transcript: null,
      },
    };
  });
}
