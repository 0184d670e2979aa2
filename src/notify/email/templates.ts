/**
 * The mail templates: a tiny, logic-less subset of Mustache that tenant admins can
 * write without learning a language, and that cannot run code or loop:
 *
 *   {{name}}              the value; HTML-escaped in the HTML part, as is in text and subject
 *   {{#name}}…{{/name}}   kept only when the value is not empty (e.g. the web-inbox link)
 *   {{^name}}…{{/name}}   kept only when it is empty
 *
 * An unknown `{{name}}` stays as written so that a typo shows in the test mail instead of
 * vanishing. Parsing is one linear scan (no backtracking regex), since templates are
 * tenant input.
 */
import type { Language } from '../../voicemail/model.js';

/** The mails there are templates for. */
export const TEMPLATE_KINDS = ['message.created', 'missed_call'] as const;
export type TemplateKind = (typeof TEMPLATE_KINDS)[number];

/** Each mail has a one-line subject, a plain-text body and an HTML body. */
export const TEMPLATE_PARTS = ['subject', 'text', 'html'] as const;
export type TemplatePart = (typeof TEMPLATE_PARTS)[number];

/** e.g. `message.created.subject`, `missed_call.html`. */
export type TemplateName = `${TemplateKind}.${TemplatePart}`;

/**
 * Where per-tenant overrides come from (files, later the database). `null` = no
 * override: the built-in template is used. A source that throws is logged and the
 * built-in is used too: a broken override must not hold mail back.
 */
export interface TemplateSource {
  get(tenantId: string, name: TemplateName, language: Language): Promise<string | null>;
}

export type TemplateValues = Readonly<Record<string, string>>;

type Node =
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'value'; readonly key: string; readonly raw: string }
  | { readonly type: 'section'; readonly key: string; readonly inverted: boolean; readonly children: Node[] };

const KEY = /^[A-Za-z][A-Za-z0-9_]*$/;
const MAX_DEPTH = 8;

/** Fills `template` with `values`; `html` escapes every value for HTML text and attributes. */
export function renderTemplate(template: string, values: TemplateValues, mode: 'text' | 'html'): string {
  return renderNodes(parseTemplate(template), values, mode);
}

/** A subject: rendered as text, then folded onto one line (a header cannot hold line breaks). */
export function renderSubject(template: string, values: TemplateValues): string {
  return renderTemplate(template, values, 'text')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 250);
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function parseTemplate(template: string): Node[] {
  const root: Node[] = [];
  const stack: { key: string; parent: Node[] }[] = [];
  let current = root;
  let pos = 0;
  const pushText = (text: string): void => {
    if (text !== '') current.push({ type: 'text', text });
  };
  while (pos < template.length) {
    const open = template.indexOf('{{', pos);
    if (open < 0) break;
    const close = template.indexOf('}}', open + 2);
    if (close < 0) break;
    pushText(template.slice(pos, open));
    const raw = template.slice(open, close + 2);
    const tag = template.slice(open + 2, close).trim();
    pos = close + 2;
    const sigil = tag.charAt(0);
    const key = sigil === '#' || sigil === '^' || sigil === '/' ? tag.slice(1).trim() : tag;
    if (!KEY.test(key)) {
      pushText(raw);
    } else if ((sigil === '#' || sigil === '^') && stack.length >= MAX_DEPTH) {
      pushText(raw); // deeper nesting is no real template; keeps rendering off deep recursion
    } else if (sigil === '#' || sigil === '^') {
      const section: Node = { type: 'section', key, inverted: sigil === '^', children: [] };
      current.push(section);
      stack.push({ key, parent: current });
      current = section.children;
    } else if (sigil === '/') {
      const top = stack[stack.length - 1];
      if (top?.key === key) {
        stack.pop();
        current = top.parent;
      } else {
        pushText(raw); // a stray or mismatched close tag is text
      }
    } else {
      current.push({ type: 'value', key, raw });
    }
  }
  pushText(template.slice(pos));
  return root; // sections left open end with the template
}

function renderNodes(nodes: readonly Node[], values: TemplateValues, mode: 'text' | 'html'): string {
  let out = '';
  for (const node of nodes) {
    switch (node.type) {
      case 'text':
        out += node.text;
        break;
      case 'value': {
        const value = Object.hasOwn(values, node.key) ? values[node.key] : undefined;
        if (value === undefined) out += node.raw;
        else out += mode === 'html' ? escapeHtml(value) : value;
        break;
      }
      case 'section': {
        const value = Object.hasOwn(values, node.key) ? values[node.key] : undefined;
        const present = value !== undefined && value !== '';
        if (present !== node.inverted) out += renderNodes(node.children, values, mode);
        break;
      }
    }
  }
  return out;
}
