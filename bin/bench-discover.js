#!/usr/bin/env node
// `npm run bench:discover`: runs src/bench/benchDiscover.ts through tsx (no build step).
// Exit code 1 when the scheduled run misses its target (60 s, 512 MB), or on an error.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
require('tsx/cjs');
const { runDiscoverBench } = require('../src/bench/benchDiscover.ts');

runDiscoverBench()
  .then((met) => {
    if (!met) process.exitCode = 1;
  })
  .catch((err) => {
    process.stderr.write(`error: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
