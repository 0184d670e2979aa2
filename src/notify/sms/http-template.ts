/**
 * The request templates of a generic HTTP SMS gateway: `{to}`, `{msisdn}`, `{text}`,
 * `{from}` and `{id}` are replaced, escaped for where they land — percent-encoded in
 * the URL and in form bodies, JSON-string-escaped in JSON bodies, as-is in other bodies
 * — so that a text with quotes, "&" or newlines cannot break the request or add fields.
 */

export interface TemplateValues {
  /** The number as queued, e.g. "+79161234567". */
  readonly to: string;
  /** Digits only, no "+" (what many Russian gateways call the MSISDN). */
  readonly msisdn: string;
  readonly text: string;
  /** The configured sender; empty when none. */
  readonly from: string;
  /** The notification id: an idempotency key for gateways that take one. */
  readonly id: string;
}

export const PLACEHOLDERS: readonly (keyof TemplateValues)[] = ['to', 'msisdn', 'text', 'from', 'id'];

export type BodyEncoding = 'json' | 'form' | 'raw';

const PATTERN = /\{([a-z_]+)\}/g;

/** Placeholders in `template` that are not known (a typo would otherwise be sent literally). */
export function unknownPlaceholders(template: string): string[] {
  const known = new Set<string>(PLACEHOLDERS);
  return [...template.matchAll(PATTERN)].map((m) => m[1] ?? '').filter((name) => !known.has(name));
}

function expand(template: string, values: TemplateValues, escape: (v: string) => string): string {
  return template.replace(PATTERN, (whole, name: string) => ((PLACEHOLDERS as readonly string[]).includes(name) ? escape(values[name as keyof TemplateValues]) : whole));
}

export function expandUrl(template: string, values: TemplateValues): string {
  return expand(template, values, encodeURIComponent);
}

/** How a body is escaped, from its Content-Type (RFC 8259 JSON, HTML form urlencoded). */
export function bodyEncoding(contentType: string): BodyEncoding {
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  if (type === 'application/json' || type.endsWith('+json')) return 'json';
  if (type === 'application/x-www-form-urlencoded') return 'form';
  return 'raw';
}

export function expandBody(template: string, values: TemplateValues, encoding: BodyEncoding): string {
  switch (encoding) {
    case 'json':
      // The inside of a JSON string literal: the template supplies the quotes.
      return expand(template, values, (v) => JSON.stringify(v).slice(1, -1));
    case 'form':
      return expand(template, values, encodeURIComponent);
    case 'raw':
      return expand(template, values, (v) => v);
  }
}
