#!/usr/bin/env node
// `npm run bench:spark`: runs src/bench/benchSpark.ts through tsx (no build step).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
require('tsx/cjs');
const { runBenchSpark } = require('../src/bench/benchSpark.ts');

runBenchSpark().catch((err) => {
  process.stderr.write(`error: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
