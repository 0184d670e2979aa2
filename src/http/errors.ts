/**
 * API errors: JSON `{ "error": { "code": "VM_API_...", "message": "..." } }` with a stable
 * code (docs/errors.md, section "REST API") and the HTTP status that fits it. Everything a
 * handler or Fastify itself throws is mapped here, so no other shape ever reaches a client.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { VoxmailError } from '../shared/errors.js';
import { ACCESS_TENANT_REQUIRED } from '../voicemail/accounts/index.js';
import {
  AUDIO_EMPTY,
  AUDIO_TOO_LONG,
  AUDIO_UNSUPPORTED,
  MESSAGE_FORBIDDEN,
  MESSAGE_NO_TARGET,
  MESSAGE_TARGET_NOT_FOUND,
} from '../voicemail/messages/message-errors.js';
import { StoreError } from '../voicemail/ports.js';
import type { ErrorBody } from './schema.js';

export const API_ERRORS = {
  VM_API_INVALID_REQUEST: 400,
  VM_API_INVALID_CURSOR: 400,
  VM_API_TENANT_REQUIRED: 400,
  VM_API_UNAUTHENTICATED: 401,
  VM_API_LOGIN_FAILED: 401,
  VM_API_CSRF: 403,
  VM_API_NOT_FOUND: 404,
  VM_API_METHOD_NOT_ALLOWED: 405,
  VM_API_BODY_TOO_LARGE: 413,
  VM_API_UNSUPPORTED_MEDIA_TYPE: 415,
  VM_API_RANGE_NOT_SATISFIABLE: 416,
  VM_API_LOCKED_OUT: 429,
  VM_API_FORBIDDEN: 403,
  VM_API_NOT_IN_TRASH: 409,
  VM_API_LIST_EXISTS: 409,
  VM_API_UNSUPPORTED_AUDIO: 415,
  VM_API_AUDIO_TOO_LONG: 422,
  VM_API_AUDIO_EMPTY: 422,
  VM_API_INTERNAL: 500,
  VM_API_UNAVAILABLE: 503,
} as const;
export type ApiErrorCode = keyof typeof API_ERRORS;

export class ApiError extends Error {
  readonly statusCode: number;

  constructor(
    readonly code: ApiErrorCode,
    message: string,
    /** Extra response headers (Retry-After, Allow, Content-Range). */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'ApiError';
    this.statusCode = API_ERRORS[code];
  }
}

export const notFound = (what = 'no such resource'): ApiError => new ApiError('VM_API_NOT_FOUND', what);

export function errorBodyOf(code: ApiErrorCode, message: string): ErrorBody {
  return { error: { code, message } };
}

/** Fastify's own error codes that are the client's fault. */
const FASTIFY_CODES: Readonly<Record<string, ApiErrorCode>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'VM_API_BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'VM_API_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VM_API_INVALID_REQUEST',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'VM_API_INVALID_REQUEST',
  FST_ERR_CTP_INVALID_JSON_BODY: 'VM_API_INVALID_REQUEST',
  FST_ERR_BAD_URL: 'VM_API_INVALID_REQUEST',
  FST_ERR_ASYNC_CONSTRAINT: 'VM_API_INVALID_REQUEST',
  // @fastify/multipart (uploads): a file over the limit, too many parts, not a form.
  FST_REQ_FILE_TOO_LARGE: 'VM_API_BODY_TOO_LARGE',
  FST_PARTS_LIMIT: 'VM_API_BODY_TOO_LARGE',
  FST_FILES_LIMIT: 'VM_API_BODY_TOO_LARGE',
  FST_FIELDS_LIMIT: 'VM_API_BODY_TOO_LARGE',
  FST_INVALID_MULTIPART_CONTENT_TYPE: 'VM_API_UNSUPPORTED_MEDIA_TYPE',
  FST_PROTO_VIOLATION: 'VM_API_INVALID_REQUEST',
};

/** The domain's message-action codes (src/voicemail/messages/message-errors.ts). */
const DOMAIN_CODES: Readonly<Record<string, ApiErrorCode>> = {
  [MESSAGE_TARGET_NOT_FOUND]: 'VM_API_NOT_FOUND',
  [MESSAGE_NO_TARGET]: 'VM_API_INVALID_REQUEST',
  [MESSAGE_FORBIDDEN]: 'VM_API_FORBIDDEN',
  [AUDIO_UNSUPPORTED]: 'VM_API_UNSUPPORTED_AUDIO',
  [AUDIO_TOO_LONG]: 'VM_API_AUDIO_TOO_LONG',
  [AUDIO_EMPTY]: 'VM_API_AUDIO_EMPTY',
  // Settings (src/voicemail/settings/errors.ts): a value outside its rule, an admin-only setting.
  VM_SETTINGS_INVALID: 'VM_API_INVALID_REQUEST',
  VM_SETTINGS_FORBIDDEN: 'VM_API_FORBIDDEN',
};

/** The API error an exception stands for; anything unexpected is VM_API_INTERNAL (and logged by the caller). */
export function toApiError(error: unknown): ApiError | null {
  if (error instanceof ApiError) return error;
  if (error instanceof StoreError) {
    if (error.code === 'VM_STORE_NOT_FOUND') return notFound();
    if (error.code === 'VM_STORE_INVALID') return new ApiError('VM_API_INVALID_REQUEST', error.message);
    if (error.code === 'VM_STORE_NOT_IN_TRASH') return new ApiError('VM_API_NOT_IN_TRASH', error.message);
    if (error.code === 'VM_STORE_DUPLICATE_LIST') return new ApiError('VM_API_LIST_EXISTS', error.message);
    return null;
  }
  if (error instanceof VoxmailError && error.code === ACCESS_TENANT_REQUIRED) return new ApiError('VM_API_TENANT_REQUIRED', error.message);
  // The audio converter's queue is full (src/media/convert/limiter.ts; http may not import media).
  if (error instanceof VoxmailError && error.code === 'VM_MEDIA_CONVERTER_BUSY') return new ApiError('VM_API_UNAVAILABLE', error.message, { 'retry-after': '5' });
  const domain = error instanceof VoxmailError ? DOMAIN_CODES[error.code] : undefined;
  if (domain) return new ApiError(domain, error instanceof Error ? error.message : domain);
  const e = error as Partial<FastifyError> | null;
  if (e && Array.isArray(e.validation)) return new ApiError('VM_API_INVALID_REQUEST', e.message ?? 'invalid request');
  // JSON.parse of a bad body: Fastify passes the SyntaxError with status 400.
  if (error instanceof SyntaxError && e?.statusCode === 400) return new ApiError('VM_API_INVALID_REQUEST', 'the body is not valid JSON');
  const mapped = typeof e?.code === 'string' ? FASTIFY_CODES[e.code] : undefined;
  if (mapped) return new ApiError(mapped, e?.message ?? mapped);
  return null;
}

/** Fastify's error handler: the one place that writes error answers. */
export function handleError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const api = toApiError(error);
  if (api) {
    if (api.statusCode >= 500 && api.code !== 'VM_API_UNAVAILABLE') request.log.error({ err: error }, 'request failed');
    return reply.code(api.statusCode).headers(api.headers).send(errorBodyOf(api.code, api.message));
  }
  request.log.error({ err: error }, 'request failed');
  return reply.code(500).send(errorBodyOf('VM_API_INTERNAL', 'internal error (see the server log)'));
}
