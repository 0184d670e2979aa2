import { describe, expect, it } from 'vitest';
import { en, ru } from './dict.js';
import { placeholdersOf, translate } from './index.js';

describe('dictionaries', () => {
  it('ru has exactly the keys of en', () => {
    expect(Object.keys(ru).sort()).toEqual(Object.keys(en).sort());
  });

  it('every ru text is non-empty and has the same {placeholders} as en', () => {
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      expect(ru[key].trim(), key).not.toBe('');
      expect(placeholdersOf(ru[key]), key).toEqual(placeholdersOf(en[key]));
    }
  });
});

describe('translate', () => {
  it('fills placeholders and keeps unknown ones visible', () => {
    expect(translate('en', 'player.position', { pos: '0:05', total: '1:00' })).toBe('0:05 of 1:00');
    expect(translate('ru', 'player.position', { pos: '0:05', total: '1:00' })).toBe('0:05 из 1:00');
    expect(translate('en', 'player.position', { pos: '0:05' })).toBe('0:05 of {total}');
  });
});
