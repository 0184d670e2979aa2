/**
 * What every data command (`mailbox`, `messages`, `tenant`) shares: the `--config` /
 * `--data` options of `serve` (same config chain, so both find the same data directory),
 * `--tenant` and `--json`; and one way of running: validate → load config → open the
 * stores → work → close, with errors mapped onto exit codes.
 */
import type { Command } from 'commander';
import type { Stores } from '../compose/open-store.js';
import { plannerFromConfig } from '../compose/notify.js';
import { openStores } from '../compose/open-store.js';
import { silentLogger } from '../shared/logger.js';
import { MessageActions } from '../voicemail/messages/message-actions.js';
import type { Tenant } from '../voicemail/model.js';
import { CONFIG_FILE_ENV, CONFIG_OVERRIDES } from '../config/index.js';
import { describeFailure, notFound, Problems } from './cli-error.js';
import { loadConfigOrReport } from './config-options.js';
import { EXIT_USAGE } from './exit-codes.js';
import { parseId } from './validate.js';

/** The tenant commands act on when `--tenant` is not given (the one `ensureDemoMailbox` makes). */
export const DEFAULT_TENANT = 'demo';

/** Commander's parsed options, read through the typed getters below (no `any`). */
export type Opts = Readonly<Record<string, unknown>>;

export const optString = (opts: Opts, key: string): string | undefined => {
  const v = opts[key];
  return typeof v === 'string' ? v : undefined;
};
export const optFlag = (opts: Opts, key: string): boolean => opts[key] === true;
export const optList = (opts: Opts, key: string): string[] | undefined => {
  const v = opts[key];
  return Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : undefined;
};
/** For a `--x <value>` / `--no-x` pair: the value, `false` for `--no-x`, or undefined. */
export const optStringOrFalse = (opts: Opts, key: string): string | false | undefined => {
  const v = opts[key];
  return typeof v === 'string' || v === false ? v : undefined;
};

/** Commander argument parser for repeatable options: `--number 1 --number 2` → ['1', '2']. */
export const collect = (value: string, previous: unknown): string[] => [...(Array.isArray(previous) ? (previous as string[]) : []), value];

const DATA_EXIT_CODES_HELP = `
Exit codes: 0 done; 1 storage error; 2 bad command line or value (nothing changed);
3 not found; 4 conflict (id or number taken, file exists). On failure stdout is empty.`;

export interface StoreOptionsSpec {
  /** Whether the command works within one tenant (`--tenant ID`, default demo). */
  readonly tenant: boolean;
}

/** Adds `--config`, `--data`, `--tenant` (if scoped) and `--json` to a data command. */
export function addStoreOptions(cmd: Command, spec: StoreOptionsSpec): Command {
  const data = CONFIG_OVERRIDES.find((o) => o.key === 'data');
  cmd.option('-c, --config <file>', `config file, YAML or JSON (env ${CONFIG_FILE_ENV})`);
  if (data) cmd.option(`${data.flag} ${data.argName}`, `${data.description} (env ${data.env})`);
  if (spec.tenant) cmd.option('-t, --tenant <id>', 'tenant to act in', DEFAULT_TENANT);
  cmd.option('--json', 'print one JSON document on stdout (for scripts)');
  cmd.addHelpText('after', DATA_EXIT_CODES_HELP);
  return cmd;
}

export interface StoreContext extends Stores {
  /** The tenant of `--tenant`, checked to exist (scoped commands only). */
  readonly tenant: Tenant | undefined;
  readonly json: boolean;
  /**
   * Changes to messages that queue their notifications (webhook, MWI) with the change;
   * the running server's outbox worker delivers them at its next poll.
   */
  readonly actions: MessageActions;
}

export interface RunOptions {
  readonly tenant: boolean;
}

/**
 * Runs a data command. `validate` checks the command line first, adding every problem to
 * `problems` (the `--tenant` one included), so that nothing opens the database for a
 * typo. The exit code is left in `process.exitCode`; the stores are always closed.
 */
export async function runStoreAction<T>(
  opts: Opts,
  spec: RunOptions,
  validate: (problems: Problems) => T,
  work: (ctx: StoreContext, input: T) => Promise<void>,
): Promise<void> {
  let stores: Stores | undefined;
  try {
    const problems = new Problems();
    const tenantId = spec.tenant ? problems.take('--tenant', parseId(optString(opts, 'tenant') ?? DEFAULT_TENANT)) : undefined;
    const input = validate(problems);
    problems.throwIfAny();
    const config = loadConfigOrReport(opts);
    if (!config) {
      process.exitCode = EXIT_USAGE;
      return;
    }
    stores = await openStores(config.dataDir);
    let tenant: Tenant | undefined;
    if (tenantId !== undefined) {
      tenant = (await stores.store.tenants.get(tenantId)) ?? undefined;
      if (!tenant) throw notFound(`tenant "${tenantId}" does not exist (see: voxmail tenant list; create it with: voxmail tenant add ${tenantId})`);
    }
    const actions = new MessageActions(stores.store, stores.audio, plannerFromConfig(config), silentLogger());
    await work({ ...stores, tenant, json: optFlag(opts, 'json'), actions }, input);
  } catch (e) {
    const { exitCode, message } = describeFailure(e);
    process.stderr.write(`voxmail: ${message}\n`);
    process.exitCode = exitCode;
  } finally {
    if (stores) await stores.close();
  }
}

/** The tenant of a scoped command (runStoreAction has checked it exists). */
export function tenantOf(ctx: StoreContext): Tenant {
  if (!ctx.tenant) throw new Error('tenant-scoped command run without --tenant');
  return ctx.tenant;
}

/** An `<id>` argument (tenant, mailbox, message), checked together with the options. */
export function checkedId(problems: Problems, id: string): string {
  return problems.take('<id>', parseId(id)) ?? id;
}
