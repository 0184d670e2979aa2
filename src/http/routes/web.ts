/**
 * The visual-voicemail web app (web/, built by `npm run build` into dist/web/), served by
 * the same process as the API:
 *
 * - files of dist/web as they are; `index.html` and other unhashed files with
 *   `Cache-Control: no-cache` (revalidated, so a new build shows at once), Vite's hashed
 *   `assets/*` with `public, max-age=31536000, immutable`;
 * - any other GET that accepts text/html (what a browser sends for a page) and is not
 *   under `/api/` or `/healthz` gets index.html — `/` included, and the app's own routes
 *   (/settings/100, /broadcast ...) on a reload;
 * - everything else (an API client asking for `/` or `/metrics`) falls through to the
 *   app's JSON 404.
 *
 * dist/web is found from this module's URL (the package root is the nearest parent with
 * our package.json), so it works from src/ under tsx and from dist/. Without a build,
 * pages answer a short HTML note (503) saying to run `npm run build`.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export const IMMUTABLE = 'public, max-age=31536000, immutable';
export const REVALIDATE = 'no-cache';

/** The directory of our package.json above `from` (a directory), else null. */
export function packageRootOf(from: string): string | null {
  let dir = from;
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        const name = (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name;
        if (name === 'voxmail') return dir;
      } catch {
        // Not ours (or unreadable): keep looking upwards.
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/** dist/web of this package. */
export function defaultWebRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return join(packageRootOf(here) ?? resolve(here, '../../..'), 'dist', 'web');
}

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Voxmail</title></head>
<body><h1>Voxmail</h1><p>The web app is not built. Run <code>npm run build</code> and restart the server.</p>
<p>The REST API is at <a href="/api/docs/openapi.json">/api/v1</a>.</p></body></html>
`;

const isReserved = (url: string): boolean => url === '/api' || url.startsWith('/api/') || url === '/healthz' || url.startsWith('/healthz/');

const acceptsHtml = (request: FastifyRequest): boolean => (request.headers.accept ?? '').toLowerCase().includes('text/html');

/** The file under root a URL path names, if it is a regular file (no dot segments, no dotfiles). */
function fileFor(root: string, urlPath: string): string | null {
  let path: string;
  try {
    path = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (path.includes('\0') || path.split('/').some((part) => part.startsWith('.'))) return null;
  const full = resolve(root, `.${path.startsWith('/') ? '' : '/'}${path}`);
  if (!full.startsWith(root + sep)) return null;
  try {
    return statSync(full).isFile() ? full.slice(root.length + 1).split(sep).join('/') : null;
  } catch {
    return null;
  }
}

export interface WebAppOptions {
  /** The built app; default dist/web of this package. */
  readonly root?: string;
}

export function registerWebApp(app: FastifyInstance, options: WebAppOptions = {}): void {
  const root = resolve(options.root ?? defaultWebRoot());
  void app.register(async (web) => {
    await web.register(fastifyStatic, {
      root,
      serve: false,
      index: false,
      cacheControl: false,
      // Applied by sendFile to every file it sends.
      setHeaders: (reply: FastifyReply, path: string) => {
        const rel = path.slice(root.length + 1).split(sep).join('/');
        reply.header('cache-control', rel.startsWith('assets/') ? IMMUTABLE : REVALIDATE);
      },
    });

    web.get('/*', { schema: { hide: true } }, async (request, reply) => {
      const urlPath = request.url.split('?')[0] ?? '/';
      if (isReserved(urlPath)) return reply.callNotFound();
      const page = acceptsHtml(request);
      if (!existsSync(join(root, 'index.html'))) {
        if (!page) return reply.callNotFound();
        return reply.code(503).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(NOT_BUILT);
      }
      const file = urlPath === '/' ? null : fileFor(root, urlPath);
      if (file) return reply.sendFile(file);
      // Missing hashed assets are 404s (an old page asking for a replaced bundle), not the app.
      if (page && !urlPath.startsWith('/assets/')) return reply.sendFile('index.html');
      return reply.callNotFound();
    });
  });
}
