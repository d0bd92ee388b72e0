/**
 * Discovery's pure heart: from what the lake holds now, what the ledger remembers and what the run asks
 * for, decide which output days to recompute, why, and in which step groups. No I/O, no clock (`nowMs`
 * comes in), deterministic: the same arguments give the same plan, byte for byte.
 */
import type { DatasetConfig } from '../config/config';
import { addDays, dayOfEpochMs, dayRange, daysBetween, isDay, isoWeekMonday } from './days';
import {
  inputDaysFor,
  outputDaysAffectedBy,
  rawDaysForRange,
  readDaysFor,
  readerDaysAffectedBy,
  type Period,
  type ReadWindow,
} from './dependencies';
import { InputError } from './errors';
import { phasesOf, tablesToPlan } from './phases';
import { compareText } from './rawKeys';
import type {
  Day,
  DirtyReason,
  OutputDayState,
  Plan,
  PlannedDay,
  RawPartitionState,
  RunInput,
  StepGroup,
  TableRange,
} from './types';

/** How a table reads processed tables (absent: it reads only its raw source). */
interface Reads {
  period?: Period;
  reads?: ReadWindow[];
}

/** An aggregate: reads processed tables only (config `aggregates:`). */
export interface PlanAggregate {
  name: string;
  period: Period;
  reads: ReadWindow[];
}

/** What {@link planDirtyDays} reads. Records are keyed by dataset name; a missing key means "nothing". */
export interface PlanArgs {
  executionId: string;
  /** ms since epoch: the plan's createdAtMs (the planner never reads a clock) */
  nowMs: number;
  input: RunInput;
  /**
   * the raw-fed tables (those in input.datasets and, unless input.downstream is false, those reading
   * them, are planned; any other is skipped)
   */
  datasets: (Pick<DatasetConfig, 'name' | 'lateDays'> & Reads)[];
  /** the aggregates; planned when in input.datasets, or reading a planned table (unless input.downstream is false) */
  aggregates?: PlanAggregate[];
  /** raw partitions in the lake now (core/fingerprint rawPartitionState of core/rawKeys groupRawPartitions) */
  observed: Record<string, RawPartitionState[]>;
  /** raw partitions as the ledger last committed them */
  ledgerRaw: Record<string, RawPartitionState[]>;
  /** output days as the ledger last committed them (read in mode `stale`) */
  ledgerOutputs: Record<string, OutputDayState[]>;
  /** dataset → version of its stage SQL now (core/stageVersion) */
  stageVersions: Record<string, string>;
  /** ≥ 1: most output days one step computes */
  maxDaysPerStep: number;
  /** mode `rerun`: the failed days of input.rerunOf (from its ExecutionRecord) */
  rerunDays?: { dataset: string; day: Day }[];
  /**
   * This execution's share of a long run (set by {@link planExecution}): raw-fed tables plan no day
   * after it and aggregates none of their own after it; aggregates still follow the upstream days
   * that are planned, so nothing downstream of a recomputed day is left behind.
   */
  until?: Day;
  /**
   * table → first day that is not archived (`lakestep adopt --since`): a day of that table before it
   * is never planned, whatever the mode, and counts as done when a raw partition's days are weighed.
   */
  archivedBefore?: Record<string, Day>;
}

/** Order reasons appear in within a day: the raw-data reasons first, by raw day, then the run's own. */
const REASON_ORDER: DirtyReason['kind'][] = [
  'new_raw',
  'late_file',
  'removed_raw',
  'upstream',
  'forced',
  'stale',
  'rerun',
];

const reasonKey = (reason: DirtyReason): string =>
  `${REASON_ORDER.indexOf(reason.kind)}|${'rawDay' in reason ? reason.rawDay : 'table' in reason ? `${reason.table}|${reason.from}` : ''}`;

/**
 * Plans one execution. The rules, per dataset with lateness L (output day D reads raw days D−L … D+L):
 * - raw day R observed but not in the ledger → `new_raw` R on every day R−L … R+L;
 *   in both with another fingerprint → `late_file` R; in the ledger but gone → `removed_raw` R, only with
 *   `input.acceptRawRemoval`. Without it a gone raw day is `missingRawDays`: it stays in the ledger and
 *   no day whose window holds it is planned, for any reason (its published rows stay; recomputing
 *   it from what is left would shrink it), so the raw partitions reaching those days stay dirty too.
 * - mode `incremental`: the days those changes affect. `stale`: those plus every day whose ledger
 *   stageVersion ≠ the current one (`stale`). `rerun`: exactly `rerunDays` (`rerun`), nothing else.
 *   `backfill`: the changed days inside from … to.
 * - `force`: with from/to every day of the range (`forced`); without, every day that has raw input in its window.
 * - from/to, when given, bound every selection.
 * - Selection: the tables in `input.datasets` plan their own days as above. Downstream, phase by phase, a
 *   day of a table that reads a planned day is planned too (`upstream`), unless the raw windows of a
 *   raw-fed reader hold no input or a missing raw day; with `input.downstream` false only the tables in
 *   `input.datasets` are planned. A table planned only as a reader takes no day for its own reasons and
 *   commits none of its raw partitions (the next run that selects it does).
 * - A selected day collects every reason that applies to it (a stale day with a late file shows both).
 * - A day is planned only when at least one observed raw partition lies in its window (a day with no
 *   input writes nothing), except a day with a `removed_raw` reason: it is rewritten, to empty if need be.
 * - `rawPartitions` / `removedRawDays`: the new or changed / removed raw partitions whose every affected
 *   day is planned, so that committing them after those days succeed can never mark an unprocessed day clean.
 * - groups: contiguous runs of planned days per dataset, cut greedily into groups of at most
 *   maxDaysPerStep days (10 days, max 7 → 7 + 3); `groupId` = `<dataset>-<first day>`;
 *   `rawDays` = first−L … last+L.
 * Days are ordered by dataset name, then day; groups likewise.
 * @throws InputError when maxDaysPerStep < 1, a lateDays is invalid, from/to is not a day, or a planned
 *   dataset has no stage version
 * @example
 * planDirtyDays({ executionId: 'exec-1', nowMs: 0, input, datasets: [{ name: 'access_records', lateDays: 1 }],
 *   observed: { access_records: [stateOf('2024-03-05')] }, ledgerRaw: {}, ledgerOutputs: {},
 *   stageVersions: { access_records: 'a1b2c3d4e5f6' }, maxDaysPerStep: 7 })
 * // days 2024-03-04, -05, -06 each with reason { kind: 'new_raw', rawDay: '2024-03-05' };
 * // one group 'access_records-2024-03-04' reading raw days 2024-03-03 … 2024-03-07
 */
export function planDirtyDays(args: PlanArgs): Plan {
  const { input } = args;
  if (!Number.isInteger(args.maxDaysPerStep) || args.maxDaysPerStep < 1) {
    throw new InputError('maxDaysPerStep', `${args.maxDaysPerStep} is not a whole number ≥ 1`);
  }
  for (const field of ['from', 'to'] as const) {
    const value = input[field];
    if (value !== undefined && !isDay(value))
      throw new InputError(field, `${JSON.stringify(value)} is not a calendar date (expected YYYY-MM-DD)`);
  }
  const planned = tablesToPlan(
    input.datasets,
    [...args.datasets, ...(args.aggregates ?? [])],
    input.downstream !== false,
  );
  const datasets = args.datasets.filter((ds) => planned.has(ds.name)).sort((a, b) => compareText(a.name, b.name));
  const aggregates = (args.aggregates ?? [])
    .filter((agg) => planned.has(agg.name))
    .sort((a, b) => compareText(a.name, b.name));
  const tables: (Reads & { name: string; lateDays?: number })[] = [...datasets, ...aggregates];
  const phases = phasesOf(tables);
  const today = dayOfEpochMs(args.nowMs);

  const plan: Plan = {
    executionId: args.executionId,
    createdAtMs: args.nowMs,
    days: [],
    groups: [],
    rawPartitions: [],
    removedRawDays: [],
    missingRawDays: [],
    stageVersions: {},
  };
  const plannedOf = new Map<string, Map<Day, DirtyReason[]>>();
  // raw-fed table → days whose raw window holds a missing raw day: never planned, for any reason
  const heldOf = new Map<string, Set<Day>>();
  for (const ds of datasets) {
    const own = input.datasets.includes(ds.name);
    const dataset = planDataset(ds.name, ds.lateDays, versionOf(ds.name, args), args, own);
    plannedOf.set(ds.name, new Map(dataset.days.map((d) => [d.day, d.reasons])));
    heldOf.set(ds.name, dataset.held);
    plan.rawPartitions.push(...dataset.rawPartitions);
    plan.removedRawDays.push(...dataset.removedRawDays);
    plan.missingRawDays!.push(...dataset.missingRawDays);
  }
  for (const agg of aggregates) {
    const own = input.datasets.includes(agg.name)
      ? ownDays(agg, versionOf(agg.name, args), args)
      : new Map<Day, DirtyReason[]>();
    plannedOf.set(agg.name, own);
  }
  // Downstream, phase by phase: a day is recomputed when a day it reads is.
  for (const table of [...tables].sort((a, b) => phases[a.name] - phases[b.name] || compareText(a.name, b.name))) {
    const days = plannedOf.get(table.name) ?? new Map<Day, DirtyReason[]>();
    for (const read of table.reads ?? []) {
      const upstream = [...(plannedOf.get(read.table)?.keys() ?? [])];
      const reached = new Map<Day, Day[]>();
      for (const upstreamDay of upstream) {
        for (const day of readerDaysAffectedBy(upstreamDay, read, table.period ?? 'day')) {
          if (daysBetween(day, today) < 0) continue; // never a day after today
          reached.set(day, [...(reached.get(day) ?? []), upstreamDay]);
        }
      }
      for (const [day, reads] of reached) {
        if (isArchived(table.name, day, args) || heldOf.get(table.name)?.has(day)) continue;
        if (table.lateDays !== undefined && !hasRawInput(table.name, table.lateDays, day, args)) continue;
        const sorted = reads.sort(compareText);
        days.set(
          day,
          sortReasons([
            ...(days.get(day) ?? []),
            { kind: 'upstream', table: read.table, from: sorted[0], to: sorted[sorted.length - 1] },
          ]),
        );
      }
    }
    if (!plannedOf.has(table.name) && days.size) plannedOf.set(table.name, days);
    if (!days.size) continue;
    plan.stageVersions[table.name] = versionOf(table.name, args);
    const planned = [...days.keys()].sort(compareText);
    plan.days.push(...planned.map((day) => ({ dataset: table.name, day, reasons: days.get(day) ?? [] })));
    plan.groups.push(
      ...groupDays(table.name, table.lateDays, planned, args.maxDaysPerStep, {
        phase: phases[table.name],
        period: table.period ?? 'day',
        reads: table.reads ?? [],
      }),
    );
  }
  plan.days.sort((a, b) => compareText(a.dataset, b.dataset) || compareText(a.day, b.day));
  plan.groups.sort((a, b) => a.phase - b.phase || compareText(a.groupId, b.groupId));
  for (const ds of datasets) plan.stageVersions[ds.name] ??= versionOf(ds.name, args);
  return plan;
}

/**
 * planDirtyDays, cut to at most `maxSteps` step groups so that one execution stays far below Step
 * Functions' 25,000 history events (every group's poll loop adds ~9 events per poll: design.md).
 * When the whole run needs more groups, this execution takes the earliest days: the latest `until`
 * (a planned day) whose plan has at most `maxSteps` groups, but never one whose plan would leave the
 * next execution where this one started, so a chain always ends:
 * - a forced backfill goes on from the day after `until` (core/input continuationInput): any cut
 *   progresses;
 * - other runs plan again from the ledger (an unforced backfill from 2 × lateness before the cut),
 *   so the cut must commit something: a raw partition wholly covered (the first raw-fed day +
 *   2 × lateness, at least), a removed one, or a stale day.
 * That floor may need more than `maxSteps` groups (the aggregates following those days come along).
 * The rest is `deferred`. Raw partitions reaching past `until` are not committed here: the next
 * execution plans the days at the cut again (idempotent) and commits them. Aggregates still follow the upstream days planned. Reruns are never cut (their days
 * are an earlier execution's failed days, already one execution's worth); nor is a plan whose every
 * cut would commit nothing.
 * @throws InputError as planDirtyDays, or when maxSteps < 1
 * @example planExecution(args, 20) // a 3-year backfill at 7 days a step: ~140 days, deferred: { until, days }
 */
export function planExecution(args: PlanArgs, maxSteps: number): Plan {
  if (!Number.isInteger(maxSteps) || maxSteps < 1)
    throw new InputError('maxStepsPerExecution', `${maxSteps} is not a whole number ≥ 1`);
  const full = planDirtyDays(args);
  if (full.groups.length <= maxSteps || args.input.mode === 'rerun') return full;
  const candidates = [...new Set(full.days.map((d) => d.day))].sort(compareText);
  // the searches below ask for the same cut more than once (the floor, the bisection, the answer)
  const plans = new Map<number, Plan>();
  const planUntil = (k: number) => {
    if (!plans.has(k)) plans.set(k, planDirtyDays({ ...args, until: candidates[k] }));
    return plans.get(k)!;
  };
  const progresses = (plan: Plan) =>
    args.input.force ||
    plan.rawPartitions.length > 0 ||
    plan.removedRawDays.length > 0 ||
    plan.days.some((d) => d.reasons.some((r) => r.kind === 'stale'));
  // A cut must hold a day planned for its own sake: one reached only from upstream (an aggregate's
  // Monday before a backfill's range) moves nothing on.
  const firstOwn = full.days
    .filter((d) => d.reasons.some((r) => r.kind !== 'upstream'))
    .map((d) => d.day)
    .sort(compareText)[0];
  const ownFloor = firstOwn === undefined ? 0 : candidates.indexOf(firstOwn);
  // Both searches rely on monotony: a later `until` plans a superset of days, so it covers more
  // raw partitions and needs at least as many groups.
  const floor = lowestIndex(candidates.length, (k) => k >= ownFloor && progresses(planUntil(k)));
  if (floor === undefined) return full;
  let best = floor;
  for (let low = floor + 1, high = candidates.length - 1; low <= high; ) {
    const mid = (low + high) >> 1;
    if (planUntil(mid).groups.length <= maxSteps) {
      best = mid;
      low = mid + 1;
    } else high = mid - 1;
  }
  const plan = planUntil(best);
  const kept = new Set(plan.days.map((d) => `${d.dataset}|${d.day}`));
  const left = full.days.filter((d) => !kept.has(`${d.dataset}|${d.day}`)).length;
  return left === 0 ? full : { ...plan, deferred: { until: candidates[best], days: left } };
}

/** The lowest k in [0, n) for which `holds` (monotone: false … false true … true), or undefined. */
function lowestIndex(n: number, holds: (k: number) => boolean): number | undefined {
  let found: number | undefined;
  for (let low = 0, high = n - 1; low <= high; ) {
    const mid = (low + high) >> 1;
    if (holds(mid)) {
      found = mid;
      high = mid - 1;
    } else low = mid + 1;
  }
  return found;
}

/** @throws InputError when the table has no stage version */
function versionOf(table: string, args: PlanArgs): string {
  const current = args.stageVersions[table];
  if (current === undefined)
    throw new InputError(
      `stageVersions.${table}`,
      'missing (expected the hash of the stage SQL, see core/stageVersion)',
    );
  return current;
}

const hasRawInput = (dataset: string, lateDays: number, day: Day, args: PlanArgs) =>
  inputDaysFor(day, lateDays).some((rawDay) => (args.observed[dataset] ?? []).some((state) => state.day === rawDay));

/** An aggregate's days chosen by the run itself: forced range, stale days, rerun days (Mondays for weekly ones). */
function ownDays(agg: PlanAggregate, currentVersion: string, args: PlanArgs): Map<Day, DirtyReason[]> {
  const { input } = args;
  const days = new Map<Day, DirtyReason[]>();
  const add = (day: Day, reason: DirtyReason) => days.set(day, sortReasons([...(days.get(day) ?? []), reason]));
  if (input.force && input.from !== undefined && input.to !== undefined) {
    for (const day of dayRange(input.from, input.to))
      if (agg.period === 'day' || isoWeekMonday(day) === day) add(day, { kind: 'forced' });
  }
  if (input.mode === 'stale') {
    for (const output of args.ledgerOutputs[agg.name] ?? []) {
      const inRange =
        (input.from === undefined || output.day >= input.from) && (input.to === undefined || output.day <= input.to);
      if (output.stageVersion !== currentVersion && inRange)
        add(output.day, { kind: 'stale', producedBy: output.stageVersion, current: currentVersion });
    }
  }
  if (input.mode === 'rerun') {
    for (const d of args.rerunDays ?? [])
      if (d.dataset === agg.name) add(d.day, { kind: 'rerun', executionId: input.rerunOf ?? '' });
  }
  return new Map([...days].filter(([day]) => notAfterUntil(day, args) && !isArchived(agg.name, day, args)));
}

const notAfterUntil = (day: Day, args: PlanArgs) => args.until === undefined || daysBetween(day, args.until) >= 0;

/** A day before the table's archive boundary (`lakestep adopt --since`): left as it is, forever. */
const isArchived = (table: string, day: Day, args: Pick<PlanArgs, 'archivedBefore'>) => {
  const before = args.archivedBefore?.[table];
  return before !== undefined && daysBetween(day, before) > 0;
};

/**
 * One raw-fed table's own days. `own` false (a table planned only because it reads a planned one):
 * no day is selected and no raw partition committed, but its missing raw days and held days are.
 */
function planDataset(
  dataset: string,
  lateDays: number,
  currentVersion: string,
  args: PlanArgs,
  own: boolean,
): {
  days: PlannedDay[];
  rawPartitions: RawPartitionState[];
  removedRawDays: { dataset: string; day: Day }[];
  missingRawDays: { dataset: string; day: Day }[];
  held: Set<Day>;
} {
  const { input } = args;
  const observed = new Map((args.observed[dataset] ?? []).map((state) => [state.day, state]));
  const remembered = new Map((args.ledgerRaw[dataset] ?? []).map((state) => [state.day, state]));

  // Every reason that applies to a day, whether or not the mode selects the day.
  const reasons = new Map<Day, DirtyReason[]>();
  const addReason = (day: Day, reason: DirtyReason) => {
    const list = reasons.get(day);
    if (list) list.push(reason);
    else reasons.set(day, [reason]);
  };
  // The days this run selects (their reasons come from `reasons`).
  const selected = new Set<Day>();

  const changed: RawPartitionState[] = [];
  for (const state of [...observed.values()].sort((a, b) => compareText(a.day, b.day))) {
    const before = remembered.get(state.day);
    if (before && before.fingerprint === state.fingerprint) continue;
    changed.push(state);
    const kind = before ? 'late_file' : 'new_raw';
    for (const day of outputDaysAffectedBy(state.day, lateDays)) addReason(day, { kind, rawDay: state.day });
  }
  const gone = [...remembered.keys()].filter((day) => !observed.has(day)).sort(compareText);
  const removed = input.acceptRawRemoval ? gone : [];
  for (const rawDay of removed) {
    for (const day of outputDaysAffectedBy(rawDay, lateDays)) addReason(day, { kind: 'removed_raw', rawDay });
  }
  const held = new Set(input.acceptRawRemoval ? [] : gone.flatMap((rawDay) => outputDaysAffectedBy(rawDay, lateDays)));
  if (input.mode !== 'rerun') for (const day of reasons.keys()) selected.add(day);

  if (input.force) {
    const forcedDays =
      input.from !== undefined && input.to !== undefined
        ? dayRange(input.from, input.to)
        : [...new Set([...observed.keys()].flatMap((rawDay) => outputDaysAffectedBy(rawDay, lateDays)))];
    for (const day of forcedDays) {
      addReason(day, { kind: 'forced' });
      selected.add(day);
    }
  }
  if (input.mode === 'stale') {
    for (const output of args.ledgerOutputs[dataset] ?? []) {
      if (output.stageVersion === currentVersion) continue;
      addReason(output.day, { kind: 'stale', producedBy: output.stageVersion, current: currentVersion });
      selected.add(output.day);
    }
  }
  if (input.mode === 'rerun') {
    const rerunOf = input.rerunOf ?? '';
    for (const day of new Set((args.rerunDays ?? []).filter((d) => d.dataset === dataset).map((d) => d.day))) {
      addReason(day, { kind: 'rerun', executionId: rerunOf });
      selected.add(day);
    }
  }

  const inRange = (day: Day) =>
    (input.from === undefined || daysBetween(input.from, day) >= 0) &&
    (input.to === undefined || daysBetween(day, input.to) >= 0) &&
    notAfterUntil(day, args);
  const hasInput = (day: Day) => inputDaysFor(day, lateDays).some((rawDay) => observed.has(rawDay));
  const mustRewrite = (day: Day) => (reasons.get(day) ?? []).some((reason) => reason.kind === 'removed_raw');

  const days: PlannedDay[] = [...(own ? selected : [])]
    .filter(
      (day) => inRange(day) && !isArchived(dataset, day, args) && !held.has(day) && (hasInput(day) || mustRewrite(day)),
    )
    .sort(compareText)
    .map((day) => ({ dataset, day, reasons: sortReasons(reasons.get(day) ?? []) }));

  const plannedDays = new Set(days.map((d) => d.day));
  // An archived day is never planned, so it cannot hold back the raw partitions that reach it.
  const covered = (rawDay: Day) =>
    outputDaysAffectedBy(rawDay, lateDays).every((day) => plannedDays.has(day) || isArchived(dataset, day, args));
  return {
    days,
    rawPartitions: own ? changed.filter((state) => covered(state.day)) : [],
    removedRawDays: own ? removed.filter(covered).map((day) => ({ dataset, day })) : [],
    missingRawDays: input.acceptRawRemoval ? [] : gone.map((day) => ({ dataset, day })),
    held,
  };
}

function sortReasons(reasons: DirtyReason[]): DirtyReason[] {
  return [...reasons].sort((a, b) => compareText(reasonKey(a), reasonKey(b)));
}

/**
 * Cuts ascending, distinct days (Mondays for a weekly table) into step groups: contiguous runs (a day,
 * or a week, apart), each cut greedily into groups of at most `maxDaysPerStep` days. A group reads its
 * raw range (datasets: first−L … last+L) and, per processed input, the union of its days' windows.
 * @example groupDays('access_records', 1, ['2024-03-05', '2024-03-06', '2024-03-09'], 7)
 * // [{ groupId: 'access_records-2024-03-05', days: [05, 06], rawDays: 04 … 07 }, { groupId: 'access_records-2024-03-09', … }]
 */
export function groupDays(
  dataset: string,
  lateDays: number | undefined,
  days: Day[],
  maxDaysPerStep: number,
  shape: { phase: number; period: Period; reads: ReadWindow[] } = { phase: 0, period: 'day', reads: [] },
): StepGroup[] {
  const step = shape.period === 'week' ? 7 : 1;
  const groups: StepGroup[] = [];
  let current: Day[] = [];
  const close = () => {
    if (current.length === 0) return;
    const [first, last] = [current[0], current[current.length - 1]];
    const reads: TableRange[] = shape.reads.map((read) => ({
      table: read.table,
      from: readDaysFor(first, read)[0],
      to: addDays(last, read.toDays),
    }));
    groups.push({
      groupId: `${dataset}-${first}`,
      dataset,
      phase: shape.phase,
      period: shape.period,
      days: current,
      rawDays: lateDays === undefined ? [] : rawDaysForRange(first, last, lateDays),
      reads,
    });
    current = [];
  };
  for (const day of days) {
    const last = current[current.length - 1];
    if (last !== undefined && (addDays(last, step) !== day || current.length >= maxDaysPerStep)) close();
    current.push(day);
  }
  close();
  return groups;
}

/**
 * One line of why a day is planned, for `--dry-run` and progress output.
 * @example describeReason({ kind: 'late_file', rawDay: '2024-03-05' }) // 'a late file in arrival day 2024-03-05'
 */
export function describeReason(reason: DirtyReason): string {
  switch (reason.kind) {
    case 'new_raw':
      return `new raw data in arrival day ${reason.rawDay}`;
    case 'late_file':
      return `a late file in arrival day ${reason.rawDay}`;
    case 'removed_raw':
      return `raw arrival day ${reason.rawDay} was removed`;
    case 'forced':
      return 'forced';
    case 'stale':
      return `stale (made by stage version ${reason.producedBy}, current ${reason.current})`;
    case 'rerun':
      // the name (an ARN's last segment) is what the console, `report` and `rerun` show; a local ARN is made up
      return `rerun of execution ${reason.executionId.slice(reason.executionId.lastIndexOf(':') + 1)}`;
    case 'upstream':
      return reason.from === reason.to
        ? `${reason.table} ${reason.from} is recomputed`
        : `${reason.table} ${reason.from}…${reason.to} are recomputed`;
  }
}
