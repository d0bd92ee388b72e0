#!/usr/bin/env node
// `npm run bench`: runs src/bench/bench.ts through tsx (no build step).
require('tsx/cjs');
const { runBench } = require('../src/bench/bench.ts');

runBench().catch((err) => {
  process.stderr.write(`error: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
