#!/usr/bin/env node
// The `lakestep` command: runs the TypeScript sources through tsx (no build step).
require('tsx/cjs');
require('../src/cli/program.ts').main(process.argv);
