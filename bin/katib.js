#!/usr/bin/env node
// The `katib` command: runs the compiled CLI (npm ci builds it through the `prepare` script).
import { main } from '../dist/cli/index.js';

const code = await main(process.argv.slice(2));
process.exitCode = code;
