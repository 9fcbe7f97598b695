#!/usr/bin/env node
/**
 * Composition root: the only module of controller/ that knows about reconcilers/. Everything else
 * (configuration, logger, manager, signals, exit codes) is in app.ts.
 */
import { setups } from '../reconcilers/index.js';
import { runController } from './app.js';

const code = await runController({ argv: process.argv.slice(2), env: process.env, setups });
// Exit explicitly: a lingering keep-alive socket must not keep a stopped controller alive.
process.exit(code);
