#!/usr/bin/env node
// `npm run bench`: runs src/bench/bench.ts through tsx (no build step).
// Lambda runs nodejs22.x; on Node 20 the SDK's upgrade notice would only clutter the figures.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
require('tsx/cjs');
const { runBench } = require('../src/bench/bench.ts');

runBench().catch((err) => {
  process.stderr.write(`error: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
