/**
 * Import rules `npm run lint` checks (dependency-cruiser): no import cycle between files, and none between
 * folders (src/core, src/pipeline, src/local, … and functions/; nested folders too). Type-only imports count:
 * two modules whose types need each other cannot be understood apart either.
 *
 * One folder cycle is left, src/core ↔ src/config: core reads the parsed config's types (DatasetConfig,
 * ChecksConfig, LakestepConfig, RawColumn, ColumnType; type-only imports) and config validates with core's
 * errors, days, phases and partition layouts. Undoing it moves config.ts's zod schemas (pure) into core. Until
 * then the folder rule skips only the edges between those two folders: a cycle through any third folder fails.
 * @type {import('dependency-cruiser').IConfiguration}
 */
const CORE_OR_CONFIG = '^src/(core|config)(/|$)';
const FOLDER_CYCLE = {
  name: 'no-folder-cycle',
  scope: 'folder',
  severity: 'error',
  comment: 'These folders import each other in a circle: move the piece that closes it where it belongs.',
};

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'This file reaches itself through its imports: move the shared piece into the module it belongs to.',
      from: {},
      to: { circular: true },
    },
    { ...FOLDER_CYCLE, from: { pathNot: CORE_OR_CONFIG }, to: { circular: true } },
    { ...FOLDER_CYCLE, from: { path: CORE_OR_CONFIG }, to: { circular: true, pathNot: CORE_OR_CONFIG } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
