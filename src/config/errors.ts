import { VoxmailError } from '../shared/errors.js';

export const CONFIG_INVALID = 'VM_CONFIG_INVALID';

/** One thing wrong with the configuration. */
export interface ConfigProblem {
  /** The field, e.g. `sip.port`, `rtp.ports`; or the file / variable at fault. */
  readonly path: string;
  /** What is allowed, e.g. `must be an integer 0–65535 (0 picks a free port)`. */
  readonly message: string;
  /** The offending value as the operator wrote it, already quoted (`"abc"`), if any. */
  readonly got?: string | undefined;
  /** Where it came from: `--sip-port`, `VOXMAIL_SIP_PORT`, `/etc/voxmail.yaml:12`... */
  readonly source?: string | undefined;
}

/** `sip.port: must be an integer 0–65535 (0 picks a free port) (got "abc" from --sip-port)` */
export function formatProblem(p: ConfigProblem): string {
  const where = [p.got === undefined ? undefined : `got ${p.got}`, p.source === undefined ? undefined : `from ${p.source}`]
    .filter((s) => s !== undefined)
    .join(' ');
  return `${p.path}: ${p.message}${where ? ` (${where})` : ''}`;
}

/** Every problem found in one load, reported together so one edit can fix them all. */
export class ConfigError extends VoxmailError {
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    super(CONFIG_INVALID, problems.map(formatProblem).join('\n'));
    this.name = 'ConfigError';
    this.problems = Object.freeze([...problems]);
  }
}
