/**
 * First render of the inbox in Chromium (issue 6: ≤ 1 s): Debian's /usr/bin/chromium
 * driven by playwright-core (flags of ../shared/docs/REAL-PEERS.md, "Chromium for the web
 * app"; never `playwright install`). The bench logs in once with `POST
 * /api/v1/auth/login` and gives every load the session's cookies; each load is a fresh
 * browser context (empty HTTP cache: what a user opening the inbox for the first time
 * after login gets) that opens the inbox page and waits for the first
 * `[data-testid="message-row"]`.
 *
 * Per load, ms from the navigation's start (Navigation Timing of the document):
 * responseEnd, domContentLoadedEventEnd, loadEventEnd; and "first row visible": an init
 * script's MutationObserver notes when the first message row is in the DOM with a layout
 * box, then the next animation frame (the frame that paints it) — that frame's time is the
 * figure. Also the `GET /api/v1/messages` request's own responseEnd (Resource Timing).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { launchChromium } from '../../test/support/chromium.js';
import { ROOT } from '../deposits/server.js';

export const CHROMIUM = process.env['BENCH_API_CHROMIUM'] ?? '/usr/bin/chromium';
export const WEB_INDEX = join(ROOT, 'dist', 'web', 'index.html');
export const ROW_SELECTOR = '[data-testid="message-row"]';

export interface PageLoad {
  readonly responseEnd: number;
  readonly domContentLoaded: number;
  readonly load: number;
  /** The first message row painted (animation frame after it appeared), ms from navigation start; NaN if it never did. */
  readonly firstRow: number;
  /** The list request's end (Resource Timing), ms from navigation start; NaN if not seen. */
  readonly listResponseEnd: number;
  /** Message rows on the page when the first one was found. */
  readonly rows: number;
  readonly error: string | null;
}

export type BrowserResult =
  | { readonly skipped: string }
  | { readonly skipped: null; readonly loads: readonly PageLoad[]; readonly url: string; readonly chromium: string };

/** Runs in the page before its scripts (a string: the bench is compiled without DOM types). */
const INIT_SCRIPT = `(() => {
  const sel = ${JSON.stringify(ROW_SELECTOR)};
  window.__vxmBench = { inserted: NaN, painted: NaN, rows: 0 };
  const look = () => {
    if (!Number.isNaN(window.__vxmBench.inserted)) return true;
    const rows = document.querySelectorAll(sel);
    const first = rows[0];
    if (!first || first.getClientRects().length === 0) return false;
    window.__vxmBench.inserted = performance.now();
    window.__vxmBench.rows = rows.length;
    requestAnimationFrame(() => { window.__vxmBench.painted = performance.now(); });
    return true;
  };
  const observer = new MutationObserver(() => { if (look()) observer.disconnect(); });
  observer.observe(document, { childList: true, subtree: true, attributes: true });
})();`;

const READ_TIMING = `(() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const list = performance.getEntriesByType('resource').filter((e) => e.name.includes('/api/v1/messages'));
  return {
    responseEnd: nav ? nav.responseEnd : NaN,
    domContentLoaded: nav ? nav.domContentLoadedEventEnd : NaN,
    load: nav ? nav.loadEventEnd : NaN,
    firstRow: window.__vxmBench ? window.__vxmBench.painted : NaN,
    listResponseEnd: list.length ? list[0].responseEnd : NaN,
    rows: window.__vxmBench ? window.__vxmBench.rows : 0,
  };
})()`;

interface Cookie {
  readonly name: string;
  readonly value: string;
}

/** Logs in over the API; the cookies a browser would keep. */
export async function loginCookies(base: string, login: string, password: string): Promise<Cookie[]> {
  const r = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login, password }) });
  if (r.status !== 200) throw new Error(`login: HTTP ${String(r.status)} ${(await r.text()).slice(0, 300)}`);
  return r.headers.getSetCookie().map((c) => {
    const [pair] = c.split(';');
    const eq = pair!.indexOf('=');
    return { name: pair!.slice(0, eq).trim(), value: pair!.slice(eq + 1).trim() };
  });
}

export interface BrowserOptions {
  readonly base: string;
  readonly path: string;
  readonly login: string;
  readonly password: string;
  readonly loads: number;
  /** Also measured but not counted: the first load after the server started. */
  readonly warmup?: boolean;
}

export async function measureInbox(o: BrowserOptions): Promise<BrowserResult> {
  if (!existsSync(WEB_INDEX)) return { skipped: 'web app not built (dist/web/index.html missing; npm run build)' };
  if (!existsSync(CHROMIUM)) return { skipped: `${CHROMIUM} missing (apt-get install chromium)` };
  const cookies = await loginCookies(o.base, o.login, o.password);
  const browser = await launchChromium({ executablePath: CHROMIUM });
  const version = browser.version();
  const url = `${o.base}${o.path}`;
  const loads: PageLoad[] = [];
  try {
    for (let i = 0; i < o.loads + (o.warmup === false ? 0 : 1); i++) {
      const context = await browser.newContext();
      try {
        await context.addCookies(cookies.map((c) => ({ name: c.name, value: c.value, url: o.base })));
        await context.addInitScript({ content: INIT_SCRIPT });
        const page = await context.newPage();
        let error: string | null = null;
        try {
          await page.goto(url, { waitUntil: 'load', timeout: 30_000 });
          await page.waitForSelector(ROW_SELECTOR, { state: 'visible', timeout: 30_000 });
          await page.waitForFunction('window.__vxmBench && !Number.isNaN(window.__vxmBench.painted)', undefined, { timeout: 10_000 });
        } catch (e) {
          error = (e as Error).message.split('\n')[0] ?? 'failed';
        }
        const t = (await page.evaluate(READ_TIMING).catch(() => null)) as Omit<PageLoad, 'error'> | null;
        const load: PageLoad = t ? { ...t, error } : { responseEnd: NaN, domContentLoaded: NaN, load: NaN, firstRow: NaN, listResponseEnd: NaN, rows: 0, error: error ?? 'no timing' };
        // The first load after the server started warms its caches: measured, not counted.
        if (i > 0 || o.warmup === false) loads.push(load);
      } finally {
        await context.close();
      }
    }
  } finally {
    await browser.close();
  }
  return { skipped: null, loads, url, chromium: version };
}

export function median(values: readonly number[]): number {
  const s = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
