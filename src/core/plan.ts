/**
 * Discovery's pure heart: from what the lake holds now, what the ledger remembers and what the run asks
 * for, decide which output days to recompute, why, and in which step groups. No I/O, no clock (`nowMs`
 * comes in), deterministic: the same arguments give the same plan, byte for byte.
 * Over 300 lines: planDirtyDays and its per-table helpers apply one set of rules (PlanArgs) and are read together.
 */
import type { DatasetConfig } from '../config/config';
import { dayOfEpochMs, dayRange, daysBetween, isDay, isoWeekMonday } from './days';
import { inputDaysFor, outputDaysAffectedBy, readerDaysAffectedBy, type Period, type ReadWindow } from './dependencies';
import { sortReasons } from './dirtyReasons';
import { InputError } from './errors';
import { phasesOf, tablesToPlan } from './phases';
import { compareText } from './rawKeys';
import { groupDays } from './stepGroups';
import type { Day, DirtyReason, OutputDayState, Plan, PlannedDay, RawPartitionState, RunInput } from './types';

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
   * This execution's share of a long run (set by core/executions planExecution): raw-fed tables plan no day
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
