/**
 * `PATCH /mailboxes/:id` (a mailbox's settings) and `GET/PATCH /tenants/:id` (the
 * tenant's). The schemas check shapes and ranges (ajv names the field); the domain
 * (src/voicemail/settings/) checks the rest, decides who may change what (403 for an
 * owner sending an admin-only setting) and audits every change. A record outside the
 * caller's scope is 404, exactly like one that does not exist.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { EMAIL_ACTIONS, GREETING_MODES, GREETING_REASONS, LANGUAGES, WARNING_MODES, type GreetingReason } from '../../voicemail/model.js';
import { SETTING_LIMITS, WEBHOOK_SECRET_MAX, WEBHOOK_SECRET_MIN, type Settings } from '../../voicemail/settings/index.js';
import { authOf } from '../auth/authenticate.js';
import { notFound } from '../errors.js';
import { ERROR_RESPONSES, idSchema, jsonSchema, tenantQuery } from '../schema.js';
import { mailboxView, tenantView, toMailboxView, toTenantView, type MailboxView, type TenantView } from '../views.js';
import { requestContext } from './messages.js';

const byId = z.object({ id: idSchema });

const intIn = (key: keyof typeof SETTING_LIMITS, what: string): z.ZodOptional<z.ZodInt> => {
  const [min, max] = SETTING_LIMITS[key];
  return z.int().min(min).max(max).optional().describe(`${what}, ${String(min)}–${String(max)}`);
};

/**
 * `null` or the value. The null branch comes first: ajv coerces types (query strings) and
 * would otherwise turn a JSON null into "" for the string branch.
 */
const orNull = <T extends z.ZodType>(schema: T): z.ZodUnion<[z.ZodNull, T]> => z.union([z.null(), schema]);

const greetingPatch = z.strictObject({ mode: z.enum(GREETING_MODES) });

export const mailboxPatchBody = z.strictObject({
  name: z.string().min(1).max(100).optional(),
  language: z.enum(LANGUAGES).optional().describe('of the standard phrases callers hear'),
  timeZone: z.string().min(1).max(64).optional().describe('IANA time zone, e.g. Europe/Moscow'),
  maxMessageMs: intIn('maxMessageMs', 'longest message, ms (10 s – 10 min)'),
  minMessageMs: intIn('minMessageMs', 'shorter recordings are not kept, ms (less than maxMessageMs)'),
  silenceTimeoutMs: intIn('silenceTimeoutMs', 'recording stops after this much silence, ms'),
  retentionDays: intIn('retentionDays', 'inbox and trash messages are kept this many days'),
  savedRetentionDays: intIn('savedRetentionDays', 'saved messages are kept this many days'),
  greetings: z
    .strictObject(Object.fromEntries(GREETING_REASONS.map((r) => [r, greetingPatch.optional()])) as Record<GreetingReason, z.ZodOptional<typeof greetingPatch>>)
    .optional()
    .describe('per reason, partial: what follows the greeting'),
  warningMode: z.enum(WARNING_MODES).optional().describe('custom needs a custom warning (PUT .../warning)'),
  emails: z.array(z.string().max(254)).max(20).optional(),
  emailAction: z.enum(EMAIL_ACTIONS).optional(),
  smsNumber: orNull(z.string().max(40)).optional(),
  pin: orNull(z.string().max(64)).optional().describe('4–12 digits, stored hashed; null removes it'),
  numbers: z.array(z.string().max(64)).max(100).optional().describe('tenant admins only'),
  quotaMessages: intIn('quotaMessages', 'tenant admins only: most messages kept'),
  operatorUri: orNull(z.string().max(256)).optional().describe('tenant admins only: sip:, sips: or tel: URI'),
  mwiUris: z.array(z.string().max(256)).max(16).optional().describe('tenant admins only: phones that get message-waiting NOTIFYs'),
});

export const tenantPatchBody = z.strictObject({
  name: z.string().min(1).max(100).optional(),
  defaultEmail: orNull(z.string().max(254)).optional(),
  duplicateToDefault: z.boolean().optional(),
  webhookUrl: orNull(z.string().max(2048)).optional(),
  webhookSecret: orNull(z.string().min(WEBHOOK_SECRET_MIN).max(WEBHOOK_SECRET_MAX))
    .optional()
    .describe(`write-only, ${String(WEBHOOK_SECRET_MIN)}–${String(WEBHOOK_SECRET_MAX)} characters; null removes it`),
});

export function registerSettingsRoutes(app: FastifyInstance, settings: Settings): void {
  app.patch<{ Params: z.output<typeof byId>; Querystring: z.output<typeof tenantQuery>; Body: z.output<typeof mailboxPatchBody> }>(
    '/mailboxes/:id',
    {
      schema: {
        tags: ['mailboxes'],
        summary: "Change a mailbox's settings (numbers, quota, operator and MWI phones: tenant admins only); takes effect on the next call",
        params: jsonSchema(byId, 'input'),
        querystring: jsonSchema(tenantQuery, 'input'),
        body: jsonSchema(mailboxPatchBody, 'input'),
        response: { 200: jsonSchema(mailboxView), ...ERROR_RESPONSES },
      },
    },
    async (request): Promise<MailboxView> => {
      const m = await settings.mailboxes.update(requestContext(request), request.params.id, request.query.tenant, request.body);
      if (!m) throw notFound('no such mailbox');
      return toMailboxView(m);
    },
  );

  app.get<{ Params: z.output<typeof byId> }>(
    '/tenants/:id',
    {
      schema: {
        tags: ['tenants'],
        summary: "The tenant's settings (its own users; platform admins any)",
        params: jsonSchema(byId, 'input'),
        response: { 200: jsonSchema(tenantView), ...ERROR_RESPONSES },
      },
    },
    async (request): Promise<TenantView> => {
      const t = await settings.tenants.get(authOf(request).principal, request.params.id);
      if (!t) throw notFound('no such tenant');
      return toTenantView(t);
    },
  );

  app.patch<{ Params: z.output<typeof byId>; Body: z.output<typeof tenantPatchBody> }>(
    '/tenants/:id',
    {
      schema: {
        tags: ['tenants'],
        summary: "Change the tenant's settings (tenant admins)",
        params: jsonSchema(byId, 'input'),
        body: jsonSchema(tenantPatchBody, 'input'),
        response: { 200: jsonSchema(tenantView), ...ERROR_RESPONSES },
      },
    },
    async (request): Promise<TenantView> => {
      const t = await settings.tenants.update(requestContext(request), request.params.id, request.body);
      if (!t) throw notFound('no such tenant');
      return toTenantView(t);
    },
  );
}
