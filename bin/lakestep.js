#!/usr/bin/env node
// The `lakestep` command: runs the TypeScript sources through tsx (no build step).
// Lambda runs nodejs22.x; on a Node 20 laptop the SDK's upgrade notice would only clutter the CLI.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// `lakestep query … | head`: the reader left; stop quietly, as Unix tools do.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});
require('tsx/cjs');
require('../src/cli/program.ts').main(process.argv);
