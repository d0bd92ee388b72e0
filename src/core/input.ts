/**
 * The one strict schema of an execution's input, shared by the ValidateInput Lambda and the CLI.
 *
 * Accepted (every key optional; `{}` is the scheduled incremental run over every dataset):
 * - `mode`: `incremental` | `backfill` | `rerun` | `stale`; defaults to `backfill` when from/to are given, else `incremental`
 * - `from`, `to`: `YYYY-MM-DD` (UTC), inclusive; backfill (which needs both) or stale (either, limiting the days recomputed); from ≤ to
 * - `datasets`: non-empty list of configured dataset names (duplicates collapse); default: all. The tables
 *   that read a selected one (directly or not) are recomputed where they read a recomputed day (core/plan)
 * - `downstream`: `false` recomputes only the tables in `datasets` (which it then requires), not their readers
 * - `force`: recompute every day of from … to even if nothing changed; requires from/to (so a whole-history
 *   recompute is always an explicit range)
 * - `dryRun`: plan and report, change nothing
 * - `acceptRawRemoval`: recompute the days whose raw input the ledger recorded and is gone now (without it
 *   those days keep their published rows and are reported: a deleted raw day never silently empties a day)
 * - `full`: discovery lists every raw arrival day of the datasets, not only those that can still change
 *   (core/rawListing): finds a changed or removed raw day anywhere in the history
 * - `executionId`: mode `rerun` only (and required there): the earlier execution whose failed days to recompute
 */
import { z } from 'zod';
import { addDays, daysBetween, parseDay } from './days';
import { InputError } from './errors';
import type { Day, RunInput } from './types';

const MODES = ['incremental', 'backfill', 'rerun', 'stale'] as const;
const FIELDS = [
  'mode',
  'from',
  'to',
  'datasets',
  'downstream',
  'force',
  'dryRun',
  'acceptRawRemoval',
  'full',
  'executionId',
] as const;

/** What each field expects, for error messages. */
const EXPECTED: Record<(typeof FIELDS)[number], string> = {
  mode: `one of ${MODES.join(', ')}`,
  from: 'a YYYY-MM-DD string',
  to: 'a YYYY-MM-DD string',
  datasets: 'a non-empty list of dataset names',
  downstream: 'true or false',
  force: 'true or false',
  dryRun: 'true or false',
  acceptRawRemoval: 'true or false',
  full: 'true or false',
  executionId: 'a non-empty execution id string',
};

const runInputSchema = z
  .object({
    mode: z.enum(MODES).optional(),
    from: z.string().optional(),
    to: z.string().optional(),
    datasets: z.array(z.string()).min(1).optional(),
    downstream: z.boolean().optional(),
    force: z.boolean().optional(),
    dryRun: z.boolean().optional(),
    acceptRawRemoval: z.boolean().optional(),
    full: z.boolean().optional(),
    executionId: z.string().min(1).optional(),
  })
  .strict();

/** The execution-input JSON as given, before defaults (what a console user or the CLI writes). */
export type RunInputEvent = z.infer<typeof runInputSchema>;

export interface RunInputContext {
  /** this execution's id (the Step Functions execution name, or the CLI's generated one) */
  executionId: string;
  /** ms since epoch */
  startedAtMs: number;
  /** configured dataset names, e.g. Object.keys(loadConfig().datasets) */
  knownDatasets: string[];
}

/** `datasets.1` → `datasets[1]` */
function fieldOf(path: (string | number)[]): string {
  return (
    path.map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? part : `.${part}`)).join('') || '(input)'
  );
}

/** A short rendering of what came in: JSON, cut at 60 characters. */
function shown(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function valueAt(event: unknown, path: (string | number)[]): unknown {
  let value: unknown = event;
  for (const part of path) value = (value as Record<string | number, unknown> | undefined)?.[part];
  return value;
}

function issueToError(event: unknown, issue: z.ZodIssue): InputError {
  if (issue.code === 'unrecognized_keys') {
    return new InputError(issue.keys[0], `unknown field (expected one of ${FIELDS.join(', ')})`);
  }
  const field = fieldOf(issue.path);
  const got = shown(valueAt(event, issue.path));
  const top = issue.path[0] as (typeof FIELDS)[number];
  if (issue.path[0] === 'datasets' && issue.path.length > 1)
    return new InputError(field, `expected a dataset name string, got ${got}`);
  if (issue.code === 'invalid_enum_value')
    return new InputError(field, `${got} is not a mode (expected ${EXPECTED[top]})`);
  return new InputError(field, `expected ${EXPECTED[top] ?? 'something else'}, got ${got}`);
}

/**
 * Validates an execution input and applies the defaults.
 * @param event the execution input JSON (Step Functions `$$.Execution.Input`, or what the CLI builds from its flags)
 * @throws InputError naming the field and what was expected, e.g.
 *   `dryrun: unknown field (expected one of mode, from, to, datasets, downstream, force, dryRun, acceptRawRemoval, full, executionId)`,
 *   `to: "2024-02-30" is not a calendar date (expected YYYY-MM-DD)`,
 *   `from: 2024-03-05 is after to 2024-03-01 (expected from ≤ to)`,
 *   `datasets[1]: unknown dataset "acess_records" (expected one of access_records)`
 * @example
 * validateRunInput({ from: '2024-01-01', to: '2024-01-31', force: true }, { executionId: 'exec-1', startedAtMs: 0, knownDatasets: ['access_records'] })
 * // { mode: 'backfill', executionId: 'exec-1', startedAtMs: 0, datasets: ['access_records'], from: '2024-01-01', to: '2024-01-31', force: true, dryRun: false }
 */
export function validateRunInput(event: unknown, ctx: RunInputContext): RunInput {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    const got = Array.isArray(event) ? 'a list' : shown(event);
    throw new InputError(
      '(input)',
      `expected a JSON object such as {} or {"mode":"backfill","from":"2024-01-01","to":"2024-01-31"}, got ${got}`,
    );
  }
  const parsed = runInputSchema.safeParse(event);
  if (!parsed.success) throw issueToError(event, parsed.error.issues[0]);
  const given = parsed.data;

  const from = given.from === undefined ? undefined : parseDay(given.from, 'from');
  const to = given.to === undefined ? undefined : parseDay(given.to, 'to');
  const hasRange = from !== undefined || to !== undefined;
  const mode = given.mode ?? (hasRange ? 'backfill' : 'incremental');

  // a stale run may be limited to a range (either end open), one chunk of history at a time
  if (hasRange && mode !== 'backfill' && mode !== 'stale') {
    const field = from !== undefined ? 'from' : 'to';
    throw new InputError(
      field,
      `only allowed with mode backfill or stale (got mode ${mode}); drop it or use mode backfill`,
    );
  }
  if (mode === 'stale' && from !== undefined && to !== undefined && daysBetween(from, to) < 0)
    throw new InputError('from', `${from} is after to ${to} (expected from ≤ to)`);
  if (mode === 'backfill') {
    if (from === undefined) throw new InputError('from', 'missing (a backfill needs both from and to, YYYY-MM-DD)');
    if (to === undefined) throw new InputError('to', 'missing (a backfill needs both from and to, YYYY-MM-DD)');
    if (daysBetween(from, to) < 0) throw new InputError('from', `${from} is after to ${to} (expected from ≤ to)`);
  }
  if (given.force && mode !== 'backfill') {
    throw new InputError('force', 'needs a range: give from and to (YYYY-MM-DD); force recomputes exactly that range');
  }
  if (mode === 'rerun') {
    if (given.executionId === undefined)
      throw new InputError('executionId', 'missing (mode rerun needs the id of the execution to rerun)');
    if (given.executionId === ctx.executionId)
      throw new InputError('executionId', `${given.executionId} is this execution (expected an earlier one)`);
  } else if (given.executionId !== undefined) {
    throw new InputError('executionId', `only allowed with mode rerun (got mode ${mode})`);
  }

  const known = new Set(ctx.knownDatasets);
  (given.datasets ?? []).forEach((name, i) => {
    if (!known.has(name)) {
      const expected =
        ctx.knownDatasets.length > 0
          ? `one of ${ctx.knownDatasets.join(', ')}`
          : 'a dataset configured in lakestep.config.yml, and none is';
      throw new InputError(`datasets[${i}]`, `unknown dataset ${JSON.stringify(name)} (expected ${expected})`);
    }
  });
  const datasets = given.datasets ? [...new Set(given.datasets)] : [...ctx.knownDatasets];
  // every table is selected without `datasets`: there is nothing downstream to leave out
  if (given.downstream === false && given.datasets === undefined)
    throw new InputError(
      'downstream',
      'false (--no-downstream) needs datasets (--dataset): it limits the run to them, leaving out the tables that read them',
    );

  const input: RunInput = {
    mode,
    executionId: ctx.executionId,
    startedAtMs: ctx.startedAtMs,
    datasets,
    force: given.force ?? false,
    dryRun: given.dryRun ?? false,
  };
  if (from !== undefined) input.from = from;
  if (to !== undefined) input.to = to;
  if (mode === 'rerun') input.rerunOf = given.executionId;
  if (given.acceptRawRemoval) input.acceptRawRemoval = true;
  if (given.full) input.full = true;
  if (given.downstream === false) input.downstream = false;
  return input;
}

/**
 * The input of the execution that goes on with a run cut at `until` (core/executions planExecution):
 * - a forced backfill goes on from the day after `until` (a forced day never becomes clean);
 * - an unforced backfill goes on `overlapDays` (2 × the largest lateness) before that, so the raw
 *   partitions that straddle the cut have all their days planned once more and commit (within a
 *   range nothing else would plan them: the same input would start from the same first days again);
 * - other modes repeat: the days done here are committed, so the next plan no longer holds them.
 * @throws InputError for mode rerun (reruns are never cut)
 * @example continuationInput({ mode: 'backfill', from: '2021-01-01', to: '2023-12-31', force: true, … }, '2021-05-20', 2)
 * // { mode: 'backfill', datasets: [...], from: '2021-05-21', to: '2023-12-31', force: true }
 */
export function continuationInput(run: RunInput, until: Day, overlapDays: number): RunInputEvent {
  if (run.mode === 'rerun') throw new InputError('mode', 'a rerun is never cut into several executions');
  const next: RunInputEvent = { mode: run.mode, datasets: run.datasets };
  if (run.mode === 'backfill') {
    const from = addDays(until, run.force ? 1 : 1 - overlapDays);
    next.from = run.from !== undefined && daysBetween(from, run.from) > 0 ? run.from : from;
    next.to = run.to;
  }
  if (run.mode === 'stale') {
    if (run.from !== undefined) next.from = run.from;
    if (run.to !== undefined) next.to = run.to;
  }
  if (run.force) next.force = true;
  if (run.acceptRawRemoval) next.acceptRawRemoval = true;
  if (run.full) next.full = true;
  if (run.downstream === false) next.downstream = false;
  return next;
}

/** What continuationName appends (and strips before appending again, so a chain's names do not grow). */
const CONTINUED_SUFFIX = /-after-\d{4}-\d{2}-\d{2}$/;
/** `-after-YYYY-MM-DD` */
const SUFFIX_LENGTH = 17;

/**
 * The name every execution of one cut run shares before its `-after-<day>` suffix: the first
 * execution's name, made an execution name (A–Z a–z 0–9 - _) and cut to leave room for the suffix.
 * @example chainName('run-20240305T101112Z-1a2b-after-2021-05-20') // 'run-20240305T101112Z-1a2b'
 */
export function chainName(executionName: string): string {
  return executionName
    .replace(CONTINUED_SUFFIX, '')
    .replace(/[^A-Za-z0-9_-]/g, '_')
    .slice(0, 80 - SUFFIX_LENGTH);
}

/**
 * The name of the execution that goes on after `until`: the chain's name + `-after-<until>`,
 * so a retried StartExecution finds the same execution (AWS: same name and input is idempotent).
 * Execution names are 1–80 of A–Z a–z 0–9 - _ (AWS StartExecution); others become `_`.
 * @example continuationName('run-20240305T101112Z-1a2b-after-2021-05-20', '2021-10-07') // 'run-20240305T101112Z-1a2b-after-2021-10-07'
 */
export function continuationName(executionName: string, until: Day): string {
  return `${chainName(executionName)}-after-${until}`;
}
