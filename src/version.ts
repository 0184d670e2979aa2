/**
 * The running version, read from package.json at start-up so that `voxmail --version`,
 * `/healthz` and the User-Agent header always agree with the package. src/ and dist/ sit
 * at the same depth, so `../package.json` is right both under tsx and when built.
 */
import { readFileSync } from 'node:fs';

function readVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as unknown;
  if (pkg !== null && typeof pkg === 'object' && 'version' in pkg && typeof pkg.version === 'string') return pkg.version;
  throw new Error('package.json has no "version"');
}

export const VERSION: string = readVersion();
