/**
 * Whom to forward or broadcast to: mailboxes the caller can see, ids typed by hand (an
 * owner sees only their own mailboxes but may send to any of the tenant's), and
 * distribution lists (GET /lists; a server without them shows none).
 */
import { useEffect, useState } from 'preact/hooks';
import type { ApiClient } from '../api/client.js';
import type { DistributionList, Mailbox } from '../api/types.js';
import { useI18n } from '../i18n/index.js';
import { splitList } from '../lib/format.js';

export interface TargetsValue {
  mailboxes: string[];
  typed: string;
  lists: string[];
}

export const emptyTargets = (): TargetsValue => ({ mailboxes: [], typed: '', lists: [] });

export function targetIds(v: TargetsValue): { to: string[]; lists: string[] } {
  return { to: [...new Set([...v.mailboxes, ...splitList(v.typed)])], lists: v.lists };
}

export interface TargetsProps {
  api: ApiClient;
  mailboxes: Mailbox[];
  exclude?: string;
  value: TargetsValue;
  onChange: (v: TargetsValue) => void;
  idPrefix: string;
}

export function Targets({ api, mailboxes, exclude, value, onChange, idPrefix }: TargetsProps) {
  const { t } = useI18n();
  const [lists, setLists] = useState<DistributionList[]>([]);
  useEffect(() => {
    api
      .lists()
      .then((r) => setLists(r.lists))
      .catch(() => setLists([]));
  }, [api]);
  const toggle = (arr: string[], id: string, on: boolean): string[] => (on ? [...arr, id] : arr.filter((x) => x !== id));
  const boxes = mailboxes.filter((m) => m.id !== exclude);
  return (
    <div class="targets">
      {boxes.length > 0 && (
        <fieldset>
          <legend>{t('targets.mailboxes')}</legend>
          {boxes.map((m) => (
            <label key={m.id} class="check">
              <input
                type="checkbox"
                checked={value.mailboxes.includes(m.id)}
                onChange={(e) => onChange({ ...value, mailboxes: toggle(value.mailboxes, m.id, e.currentTarget.checked) })}
              />
              {m.name ? `${m.name} (${m.id})` : m.id}
            </label>
          ))}
        </fieldset>
      )}
      <div class="field">
        <label for={`${idPrefix}-typed`}>{t('targets.otherIds')}</label>
        <input id={`${idPrefix}-typed`} type="text" inputMode="text" autoComplete="off" value={value.typed} onInput={(e) => onChange({ ...value, typed: e.currentTarget.value })} data-testid={`${idPrefix}-typed`} />
      </div>
      <fieldset>
        <legend>{t('targets.lists')}</legend>
        {lists.length === 0 && <p class="hint">{t('targets.noLists')}</p>}
        {lists.map((l) => (
          <label key={l.id} class="check">
            <input type="checkbox" checked={value.lists.includes(l.id)} onChange={(e) => onChange({ ...value, lists: toggle(value.lists, l.id, e.currentTarget.checked) })} />
            {`${l.name} (${String(l.mailboxIds.length)})`}
          </label>
        ))}
      </fieldset>
    </div>
  );
}
