#!/usr/bin/env node
// Entry point of the `latticedb-flags` bin (package.json): everything else is in run.ts.
import { run } from './run.js';

process.exitCode = await run(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
});
