#!/usr/bin/env node
/** Entry point of the `voxmail` command (package.json "bin" → dist/cli/bin.js). */
import { EXIT_FAILURE } from './exit-codes.js';
import { runCli } from './program.js';

try {
  await runCli(process.argv);
} catch (e) {
  process.stderr.write(`voxmail: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = EXIT_FAILURE;
}
