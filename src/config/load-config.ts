/**
 * Builds the configuration from four layers, later ones winning:
 *
 *   embedded defaults  <  config file (YAML or JSON)  <  VOXMAIL_* environment  <  CLI flags
 *
 * then validates the merged result once and freezes it. Pure apart from reading the
 * config file (injectable): the caller passes env, flags and cwd in, so tests never
 * touch `process`.
 *
 * Every problem found is reported, each naming the field, what is allowed, the value
 * given and where it came from (flag, variable, or file and line).
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import { isMap, isScalar, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import type { Result } from '../shared/result.js';
import { err, ok } from '../shared/result.js';
import type { ConfigProblem } from './errors.js';
import { ConfigError } from './errors.js';
import type { ConfigFlags } from './overrides.js';
import { CONFIG_FILE_ENV, CONFIG_OVERRIDES, KNOWN_ENV_VARS } from './overrides.js';
import type { Config } from './schema.js';
import { configSchema, DEFAULT_CONFIG, deepFreeze } from './schema.js';

export type Env = Readonly<Record<string, string | undefined>>;

export interface LoadConfigOptions {
  /** Flags from the command line (commander's parsed options). */
  readonly argvFlags?: ConfigFlags | undefined;
  /** Usually `process.env`. Empty variables count as unset. */
  readonly env?: Env | undefined;
  /** Relative paths on the command line, in the environment and in the defaults resolve against it. */
  readonly cwd: string;
  /** Reads the config file (absolute path) as UTF-8. Default: the file system, at most 1 MiB. */
  readonly readFile?: ((path: string) => string) | undefined;
}

/** A config file larger than this is surely not one. */
export const MAX_CONFIG_FILE_BYTES = 1024 * 1024;

type PathSegment = string | number;

/** Where a value came from; `baseDir` is what a relative `dataDir` from there resolves against. */
interface Source {
  readonly label: string;
  readonly baseDir: string;
  /** For a config file: the line of a path in it, if known. */
  readonly locate?: ((path: readonly PathSegment[]) => number | undefined) | undefined;
}

export function loadConfig(options: LoadConfigOptions): Result<Config, ConfigError> {
  const { cwd } = options;
  const env = options.env ?? {};
  const flags = options.argvFlags ?? {};
  const problems: ConfigProblem[] = [];
  const provenance = new Map<string, Source>();

  for (const name of Object.keys(env).sort()) {
    if (name.startsWith('VOXMAIL_') && !KNOWN_ENV_VARS.includes(name) && env[name] !== undefined) {
      problems.push({ path: name, message: `is not a Voxmail setting (known: ${KNOWN_ENV_VARS.join(', ')})` });
    }
  }

  const merged = structuredClone(DEFAULT_CONFIG) as unknown as Record<string, unknown>;

  // Layer 2: the config file.
  const fileSetting = pickFileSetting(flags, env);
  if (fileSetting !== undefined) {
    if (fileSetting.path.trim() === '') {
      problems.push({ path: 'config file', message: 'must be a file path', got: '""', source: fileSetting.from });
    } else {
      const file = resolve(cwd, fileSetting.path);
      const parsed = readConfigFile(file, options.readFile ?? defaultReadFile, fileSetting.from);
      if (!parsed.ok) {
        problems.push(parsed.error);
      } else if (parsed.value.data !== undefined && parsed.value.data !== null) {
        const source: Source = { label: file, baseDir: dirname(file), locate: parsed.value.locate };
        if (!isPlainObject(parsed.value.data)) {
          problems.push({
            path: '(file)',
            message: 'must be a mapping of settings (dataDir, sip, rtp, media, http, log)',
            got: describe(parsed.value.data),
            source: file,
          });
        } else {
          mergeInto(merged, parsed.value.data, [], source, provenance);
        }
      }
    }
  }

  // Layers 3 and 4: environment, then flags.
  for (const layer of ['env', 'flag'] as const) {
    for (const o of CONFIG_OVERRIDES) {
      const raw = layer === 'env' ? nonEmpty(env[o.env]) : flags[o.key];
      if (raw === undefined) continue;
      const source: Source = { label: layer === 'env' ? o.env : o.flag, baseDir: cwd };
      const parsed = o.parse(raw);
      if (!parsed.ok) {
        problems.push({ path: o.field, message: parsed.error, got: JSON.stringify(raw), source: source.label });
        continue;
      }
      for (const a of parsed.value) assign(merged, a.path, a.value, source, provenance);
    }
  }

  const result = configSchema.safeParse(merged, { reportInput: true });
  if (!result.success) {
    for (const issue of result.error.issues) problems.push(problemFromIssue(issue, provenance));
  }
  if (problems.length > 0 || !result.success) return err(new ConfigError(problems));

  const dataDirBase = provenance.get('dataDir')?.baseDir ?? cwd;
  const config: Config = { ...result.data, dataDir: resolve(dataDirBase, result.data.dataDir) };
  return ok(deepFreeze(config));
}

/** `--config` wins over `VOXMAIL_CONFIG`; neither means "no file, defaults only". */
function pickFileSetting(flags: ConfigFlags, env: Env): { path: string; from: string } | undefined {
  if (flags.config !== undefined) return { path: flags.config, from: '--config' };
  const fromEnv = nonEmpty(env[CONFIG_FILE_ENV]);
  if (fromEnv !== undefined) return { path: fromEnv, from: CONFIG_FILE_ENV };
  return undefined;
}

function nonEmpty(s: string | undefined): string | undefined {
  return s === undefined || s === '' ? undefined : s;
}

function defaultReadFile(path: string): string {
  const st = statSync(path);
  if (!st.isFile()) throw new Error('not a regular file');
  if (st.size > MAX_CONFIG_FILE_BYTES) throw new Error(`larger than ${String(MAX_CONFIG_FILE_BYTES)} bytes`);
  return readFileSync(path, 'utf8');
}

interface ParsedFile {
  readonly data: unknown;
  readonly locate?: ((path: readonly PathSegment[]) => number | undefined) | undefined;
}

/** `.json` is parsed as strict JSON; anything else as YAML 1.2 (of which JSON is a subset). */
function readConfigFile(file: string, read: (path: string) => string, from: string): Result<ParsedFile, ConfigProblem> {
  let text: string;
  try {
    text = read(file);
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : errorMessage(e);
    return err({ path: 'config file', message: `cannot be read: ${reason}`, got: JSON.stringify(file), source: from });
  }

  if (extname(file).toLowerCase() === '.json') {
    try {
      return ok({ data: JSON.parse(text) as unknown });
    } catch (e) {
      return err({ path: 'config file', message: `is not valid JSON: ${errorMessage(e)}`, source: file });
    }
  }

  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  const first = doc.errors[0];
  if (first) {
    return err({ path: 'config file', message: `is not valid YAML: ${first.message.split('\n')[0] ?? ''}`, source: file });
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    return err({ path: 'config file', message: `is not usable YAML: ${errorMessage(e)}`, source: file });
  }

  /** Line of the node at `path`; for a key the map does not allow, the line of that key. */
  const locate = (path: readonly PathSegment[]): number | undefined => {
    const parentPath = path.slice(0, -1);
    const last = path[path.length - 1];
    const parent = parentPath.length === 0 ? doc.contents : doc.getIn(parentPath, true);
    let offset: number | undefined;
    if (isMap(parent)) {
      const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === last);
      if (pair && isScalar(pair.key)) offset = pair.key.range?.[0];
    } else {
      const node: unknown = path.length === 0 ? doc.contents : doc.getIn(path, true);
      if (node && typeof node === 'object' && 'range' in node && Array.isArray(node.range)) {
        offset = node.range[0] as number;
      }
    }
    return offset === undefined ? undefined : lineCounter.linePos(offset).line;
  };
  return ok({ data, locate });
}

function problemFromIssue(issue: z.core.$ZodIssue, provenance: ReadonlyMap<string, Source>): ConfigProblem {
  const path = issue.path.filter((s): s is PathSegment => typeof s !== 'symbol');
  // For an unknown key, point at the key itself (it came from the file, never from defaults).
  const blamed = issue.code === 'unrecognized_keys' && issue.keys[0] !== undefined ? [...path, issue.keys[0]] : path;
  const source = findSource(blamed, provenance);
  let sourceLabel = source?.label;
  if (source?.locate) {
    const line = source.locate(blamed);
    if (line !== undefined) sourceLabel = `${source.label}:${String(line)}`;
  }
  // A secret's value never reaches stderr or a log, even when it is wrong.
  const secret =
    path.some((seg) => typeof seg === 'string' && SECRET_KEY.test(seg)) ||
    (typeof issue.input === 'object' && issue.input !== null && SECRET_FIELD.test(JSON.stringify(issue.input)));
  const showValue = !secret && issue.code !== 'unrecognized_keys' && !isPlainObject(issue.input) && issue.input !== undefined;
  const input = typeof issue.input === 'string' ? withoutPassword(issue.input) : issue.input;
  return {
    path: formatPath(path),
    message: issue.message,
    got: showValue ? describe(input) : undefined,
    source: sourceLabel,
  };
}

const SECRET_KEY = /password|secret|token/i;

/** `smtp://user:pass@host` → `smtp://user:***@host`: URLs with credentials are shown without them. */
function withoutPassword(s: string): string {
  return s.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/\s]*):[^@/\s]*@/i, '$1:***@');
}
const SECRET_FIELD = /"[^"]*(password|secret|token)[^"]*"\s*:/i;

/** The source of the value at `path`, or of the nearest ancestor that was set as a whole. */
function findSource(path: readonly PathSegment[], provenance: ReadonlyMap<string, Source>): Source | undefined {
  for (let n = path.length; n > 0; n--) {
    const head = path.slice(0, n);
    if (head.some((s) => typeof s !== 'string')) continue;
    const s = provenance.get(head.join('.'));
    if (s) return s;
  }
  return undefined;
}

/** `["sip", "hosts", 1]` → `sip.hosts[1]` */
export function formatPath(path: readonly PathSegment[]): string {
  if (path.length === 0) return '(top level)';
  return path.map((s, i) => (typeof s === 'number' ? `[${String(s)}]` : i === 0 ? s : `.${s}`)).join('');
}

/** A short rendering of a bad value for a message. */
function describe(value: unknown): string {
  let s: string;
  try {
    s = JSON.stringify(value) ?? String(value);
  } catch {
    s = String(value);
  }
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * Sets a property as an own, enumerable data property, so that a key named
 * `__proto__` in a file is just an unknown key (reported), never a prototype change.
 */
function defineOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Deep-merges `patch` into `target`: mappings merge key by key, anything else replaces. */
function mergeInto(
  target: Record<string, unknown>,
  patch: Record<string, unknown>,
  prefix: readonly string[],
  source: Source,
  provenance: Map<string, Source>,
): void {
  for (const key of Object.keys(patch)) {
    const value = patch[key];
    const current = Object.prototype.hasOwnProperty.call(target, key) ? target[key] : undefined;
    const path = [...prefix, key];
    if (isPlainObject(value) && isPlainObject(current)) {
      mergeInto(current, value, path, source, provenance);
    } else {
      defineOwn(target, key, value);
      provenance.set(path.join('.'), source);
    }
  }
}

/** Sets one field of the merged configuration. */
function assign(
  target: Record<string, unknown>,
  path: readonly string[],
  value: unknown,
  source: Source,
  provenance: Map<string, Source>,
): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = Object.prototype.hasOwnProperty.call(node, key) ? node[key] : undefined;
    // A section the file replaced with a non-mapping: the schema reports it; keep it as given.
    if (!isPlainObject(next)) return;
    node = next;
  }
  const last = path[path.length - 1];
  if (last === undefined) return;
  defineOwn(node, last, value);
  provenance.set(path.join('.'), source);
}
