/** The dictionaries and `t`, provided to components through a context. */
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Language } from '../api/types.js';
import { en, ru, type MessageKey } from './dict.js';

export type { MessageKey } from './dict.js';
export const DICTIONARIES: Record<Language, Record<MessageKey, string>> = { en, ru };

export type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

/** Fills {placeholders}; an unknown one stays visible rather than vanishing. */
export function translate(lang: Language, key: MessageKey, params?: Record<string, string | number>): string {
  const text = DICTIONARIES[lang][key] ?? en[key];
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

export function placeholdersOf(text: string): string[] {
  return [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '').sort();
}

export interface I18n {
  lang: Language;
  t: Translate;
  setLang: (lang: Language) => void;
}

export const I18nContext = createContext<I18n>({ lang: 'en', t: (k, p) => translate('en', k, p), setLang: () => undefined });

export function useI18n(): I18n {
  return useContext(I18nContext);
}
