/**
 * The options every command that needs the configuration takes (`--config`, `--data`,
 * `--sip-port`...), built from the config module's override table so that flags,
 * environment variables and docs never drift apart.
 */
import type { Command } from 'commander';
import type { Config, ConfigFlags } from '../config/index.js';
import { CONFIG_FILE_ENV, CONFIG_OVERRIDES, formatProblem, loadConfig } from '../config/index.js';

export function addConfigOptions(cmd: Command): Command {
  cmd.option('-c, --config <file>', `config file, YAML or JSON (env ${CONFIG_FILE_ENV})`);
  for (const o of CONFIG_OVERRIDES) cmd.option(`${o.flag} ${o.argName}`, `${o.description} (env ${o.env})`);
  cmd.addHelpText(
    'after',
    `
Settings are taken from, later ones winning: embedded defaults < config file
< VOXMAIL_* environment variables < these flags. See voxmail.example.yaml.`,
  );
  return cmd;
}

/** Commander's parsed options → the flags `loadConfig` takes (only strings pass). */
export function configFlagsFrom(opts: Readonly<Record<string, unknown>>): ConfigFlags {
  const pick = (key: string): string | undefined => {
    const v = opts[key];
    return typeof v === 'string' ? v : undefined;
  };
  const flags: Record<string, string | undefined> = { config: pick('config') };
  for (const o of CONFIG_OVERRIDES) flags[o.key] = pick(o.key);
  return flags;
}

/**
 * Loads the configuration for a command; on failure prints every problem to stderr and
 * returns undefined (the caller exits with EXIT_USAGE).
 */
export function loadConfigOrReport(opts: Readonly<Record<string, unknown>>): Config | undefined {
  const result = loadConfig({ argvFlags: configFlagsFrom(opts), env: process.env, cwd: process.cwd() });
  if (result.ok) return result.value;
  const lines = result.error.problems.map((p) => `  ${formatProblem(p)}`).join('\n');
  process.stderr.write(`voxmail: invalid configuration (${result.error.code}):\n${lines}\n`);
  return undefined;
}
