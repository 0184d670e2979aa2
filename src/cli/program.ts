/**
 * The `voxmail` command line. Each subcommand lives in its own file and registers itself
 * here: `serve` runs the server; `tenant`, `mailbox` and `messages` manage its data;
 * `user` and `token` its web and API accounts.
 */
import { Command, CommanderError } from 'commander';
import { VERSION } from '../version.js';
import { EXIT_CODES_HELP, EXIT_OK, EXIT_USAGE } from './exit-codes.js';
import { registerMailboxCommand } from './mailbox-command.js';
import { registerMessagesCommand } from './messages-command.js';
import { registerServeCommand } from './serve-command.js';
import { registerTenantCommand } from './tenant-command.js';
import { registerTokenCommand } from './token-command.js';
import { registerUserCommand } from './user-command.js';

export function createProgram(): Command {
  const program = new Command('voxmail')
    .description('Voxmail: a self-hosted voicemail server (SIP, RTP, HTTP)')
    .version(VERSION, '-V, --version', 'print the version and exit')
    .helpOption('-h, --help', 'show help')
    .showHelpAfterError('(run with --help for usage)')
    // Throw instead of calling process.exit, so runCli maps the exit code (usage → 2).
    .exitOverride();
  program.addHelpText('after', EXIT_CODES_HELP);
  // Subcommands made with program.command() inherit exitOverride and output settings.
  registerServeCommand(program);
  registerTenantCommand(program);
  registerMailboxCommand(program);
  registerMessagesCommand(program);
  registerUserCommand(program);
  registerTokenCommand(program);
  return program;
}

/** Runs the CLI; the exit code is left in `process.exitCode`. */
export async function runCli(argv: readonly string[]): Promise<void> {
  try {
    await createProgram().parseAsync([...argv]);
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end here with 0; usage errors were already printed.
      process.exitCode = e.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
      return;
    }
    throw e;
  }
}
