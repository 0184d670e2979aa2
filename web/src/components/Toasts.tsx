/** Short notices ("Message moved to trash. [Undo]") in an aria-live region. */
import { createContext } from 'preact';
import { useCallback, useContext, useMemo, useRef, useState } from 'preact/hooks';
import type { ComponentChildren } from 'preact';
import { useI18n } from '../i18n/index.js';

export interface Toast {
  id: number;
  text: string;
  kind: 'info' | 'error';
  action?: { label: string; run: () => void };
}

export interface Toasts {
  show: (text: string, options?: { kind?: 'info' | 'error'; action?: Toast['action']; ms?: number }) => void;
}

const ToastContext = createContext<Toasts>({ show: () => undefined });
export const useToasts = (): Toasts => useContext(ToastContext);

export function ToastProvider({ children }: { children: ComponentChildren }) {
  const { t } = useI18n();
  const [toasts, setToasts] = useState<Toast[]>([]);
  const next = useRef(1);
  const dismiss = useCallback((id: number) => setToasts((list) => list.filter((x) => x.id !== id)), []);
  const show = useCallback<Toasts['show']>(
    (text, options = {}) => {
      const id = next.current++;
      const toast: Toast = { id, text, kind: options.kind ?? 'info', ...(options.action ? { action: options.action } : {}) };
      setToasts((list) => [...list.slice(-3), toast]);
      setTimeout(() => dismiss(id), options.ms ?? (options.action ? 8000 : 5000));
    },
    [dismiss],
  );
  const value = useMemo(() => ({ show }), [show]);
  return (
    <ToastContext.Provider value={value}>
      {children}
      <div class="toasts" role="region" aria-label={t('toast.region')}>
        <div aria-live="polite" aria-atomic="false">
          {toasts.map((x) => (
            <div key={x.id} class={`toast toast-${x.kind}`} data-testid="toast" role={x.kind === 'error' ? 'alert' : 'status'}>
              <span>{x.text}</span>
              {x.action && (
                <button
                  type="button"
                  class="btn btn-inverse"
                  data-testid="toast-action"
                  onClick={() => {
                    x.action?.run();
                    dismiss(x.id);
                  }}
                >
                  {x.action.label}
                </button>
              )}
              <button type="button" class="btn btn-inverse btn-icon" aria-label={t('action.dismiss')} onClick={() => dismiss(x.id)}>
                ✕
              </button>
            </div>
          ))}
        </div>
      </div>
    </ToastContext.Provider>
  );
}
