/**
 * Discovery: list the raw partitions that can have changed (core/rawListing: a scheduled run lists the
 * last few arrival days, `full` and a first run everything), compare them with the ledger, plan the dirty days.
 * The plan goes to the object store; the caller gets its key and the small group list the Map iterates.
 */
import type { LakestepConfig } from '../config/config';
import { InputError } from '../core/errors';
import { dayOfEpochMs } from '../core/days';
import { continuationInput, continuationName, type RunInputEvent } from '../core/input';
import { planExecution } from '../core/executions';
import { tablesToPlan } from '../core/phases';
import type { Ports } from '../core/ports';
import type { SkippedKey } from '../core/rawKeys';
import { assumeUnlisted, rawDaysToList, type FullScanReason, type RawListing } from '../core/rawListing';
import type { Day, OutputDayState, Plan, RawPartitionState, RunInput } from '../core/types';
import { observeRawPartitions } from './observeRawPartitions';
import { executionName, planKey } from '../core/runKeys';
import { currentStageVersions } from './stageFiles';

export interface GroupItem {
  groupId: string;
  dataset: string;
  from: Day;
  to: Day;
  dayCount: number;
}

export interface DiscoverResult {
  planKey: string;
  dirtyDays: number;
  /** Map MaxConcurrency (EMR StepConcurrencyLevel on AWS) */
  stepConcurrency: number;
  /** the Map's items: phases in order, each with the step groups that run in parallel */
  phases: { phase: number; groups: GroupItem[] }[];
  steps: number;
  /** per dataset, what discovery listed: every raw day (and why), or a number of arrival days from … to */
  rawListings: RawListingSummary[];
  /** raw keys in no recognised layout (left alone) */
  ignoredKeys: number;
  /** the first few of them, ascending, for the warning (the state's output stays small) */
  ignoredKeyExamples: string[];
  /** raw files in a recognised layout that are not read: a hidden name (`_x.json`, `.x.json`) or a symlink */
  skippedKeys: number;
  /** the first few of them, as `<key> (<why>)` */
  skippedKeyExamples: string[];
  /** datasets with nothing under their raw prefix (a mistyped `raw.prefix` plans nothing without a word otherwise) */
  emptyRawPrefixes: { dataset: string; prefix: string }[];
  /** raw arrival days the ledger recorded that are gone (the days they reach keep their rows: input
   *  acceptRawRemoval recomputes them) */
  missingRawDays: number;
  /** the first few of them, as `<dataset> <day>` */
  missingRawDayExamples: string[];
  /** planned (table, day) pairs left for the next execution (the run needed more than maxStepsPerExecution groups) */
  deferredDays: number;
  /** when days are deferred (and this is no dry run): the next execution's name and input, for ContinueRun */
  continueWith?: { name: string; input: RunInputEvent };
}

/** One dataset's listing, for the state's output and the run's log (core/rawListing). */
export type RawListingSummary =
  | { dataset: string; scope: 'all'; reason: FullScanReason }
  | { dataset: string; scope: 'days'; days: number; from?: Day; to?: Day };

const IGNORED_KEY_EXAMPLES = 3;

/** @throws InputError when a rerun names an execution the ledger does not know */
export async function discover(
  ports: Pick<Ports, 'store' | 'ledger' | 'clock'>,
  run: RunInput,
  config: LakestepConfig,
): Promise<DiscoverResult> {
  const aggregates = Object.values(config.aggregates);
  // the selected datasets and those reading them (core/plan plans their days that read a recomputed one)
  const planned = tablesToPlan(
    run.datasets,
    [...Object.values(config.datasets), ...aggregates],
    run.downstream !== false,
  );
  const datasets = Object.values(config.datasets).filter((ds) => planned.has(ds.name));
  const observed: Record<string, RawPartitionState[]> = {};
  const ledgerRaw: Record<string, RawPartitionState[]> = {};
  const ledgerOutputs: Record<string, OutputDayState[]> = {};
  const ignoredKeys: string[] = [];
  const skipped: SkippedKey[] = [];
  const rawListings: RawListingSummary[] = [];
  const emptyRawPrefixes: DiscoverResult['emptyRawPrefixes'] = [];
  const archivedBefore = await ports.ledger.archives();
  // Output days are read for `stale` only: they can be many.
  for (const table of [...datasets, ...aggregates])
    ledgerOutputs[table.name] = run.mode === 'stale' ? await ports.ledger.outputDays(table.name) : [];
  const rerunDays = run.mode === 'rerun' ? await failedDaysOf(ports, run.rerunOf ?? '') : undefined;
  const stageVersions = currentStageVersions([...datasets, ...aggregates]);
  const today = dayOfEpochMs(ports.clock.nowMs());
  for (const ds of datasets) {
    // Raw partitions before the archive boundary (`lakestep adopt --since`) are no longer looked at.
    const live = (state: { day: Day }) => !(ds.name in archivedBefore) || state.day >= archivedBefore[ds.name];
    ledgerRaw[ds.name] = (await ports.ledger.rawPartitions(ds.name)).filter(live);
    // the days a stale run or a rerun recomputes whatever the raw data says: their raw days are listed too
    const inRange = (day: Day) =>
      (run.from === undefined || day >= run.from) && (run.to === undefined || day <= run.to);
    const revisitDays = [
      ...ledgerOutputs[ds.name]
        .filter((o) => o.stageVersion !== stageVersions[ds.name] && inRange(o.day))
        .map((o) => o.day),
      ...(rerunDays ?? []).filter((d) => d.dataset === ds.name).map((d) => d.day),
    ];
    const listing = rawDaysToList({
      input: run,
      lateDays: ds.lateDays,
      ledgerDays: ledgerRaw[ds.name].map((s) => s.day),
      today,
      revisitDays,
      archivedBefore: archivedBefore[ds.name],
    });
    const seen = await observeRawPartitions(ports.store, ds, listing);
    ignoredKeys.push(...seen.ignoredKeys);
    skipped.push(...seen.skipped);
    if (seen.prefixEmpty) emptyRawPrefixes.push({ dataset: ds.name, prefix: ds.raw.prefix });
    const listed = seen.partitions.filter(live);
    observed[ds.name] = seen.listedDays ? assumeUnlisted(listed, ledgerRaw[ds.name], seen.listedDays) : listed;
    rawListings.push(summariseListing(ds.name, listing));
  }
  const plan: Plan = planExecution(
    {
      executionId: run.executionId,
      nowMs: ports.clock.nowMs(),
      input: run,
      datasets,
      aggregates,
      observed,
      ledgerRaw,
      ledgerOutputs,
      stageVersions,
      maxDaysPerStep: config.maxDaysPerStep,
      rerunDays,
      archivedBefore,
    },
    config.maxStepsPerExecution,
  );
  const name = executionName(run.executionId);
  const next = plan.deferred && continuationName(name, plan.deferred.until);
  // A chain that cut where its last execution cut would start itself forever (the planner rules it out).
  if (next === name)
    throw new Error(
      `discover: the plan was cut at ${plan.deferred?.until} again, as the execution before; raise maxStepsPerExecution in lakestep.config.yml`,
    );
  return {
    planKey: await ports.store.putJson(planKey(run.executionId), plan),
    dirtyDays: plan.days.length,
    stepConcurrency: config.stepConcurrency,
    phases: [...new Set(plan.groups.map((g) => g.phase))].map((phase) => ({
      phase,
      groups: plan.groups
        .filter((g) => g.phase === phase)
        .map((g) => ({
          groupId: g.groupId,
          dataset: g.dataset,
          from: g.days[0],
          to: g.days[g.days.length - 1],
          dayCount: g.days.length,
        })),
    })),
    steps: plan.groups.length,
    rawListings,
    ignoredKeys: ignoredKeys.length,
    ignoredKeyExamples: ignoredKeys.sort().slice(0, IGNORED_KEY_EXAMPLES),
    skippedKeys: skipped.length,
    skippedKeyExamples: skipped.slice(0, IGNORED_KEY_EXAMPLES).map(({ key, why }) => `${key} (${why})`),
    emptyRawPrefixes,
    missingRawDays: plan.missingRawDays?.length ?? 0,
    missingRawDayExamples: (plan.missingRawDays ?? [])
      .slice(0, IGNORED_KEY_EXAMPLES)
      .map(({ dataset, day }) => `${dataset} ${day}`),
    deferredDays: plan.deferred?.days ?? 0,
    ...(plan.deferred && next && !run.dryRun
      ? {
          continueWith: {
            name: next,
            input: continuationInput(run, plan.deferred.until, 2 * Math.max(0, ...datasets.map((d) => d.lateDays))),
          },
        }
      : {}),
  };
}

function summariseListing(dataset: string, listing: RawListing): RawListingSummary {
  if (listing.scope === 'all') return { dataset, scope: 'all', reason: listing.reason };
  const { days } = listing;
  return {
    dataset,
    scope: 'days',
    days: days.length,
    ...(days.length ? { from: days[0], to: days[days.length - 1] } : {}),
  };
}

async function failedDaysOf(ports: Pick<Ports, 'ledger'>, executionId: string) {
  const record = await ports.ledger.getExecution(executionId);
  if (!record)
    throw new InputError(
      'executionId',
      `no execution "${executionId}" in the ledger (expected the name or id of an earlier execution, as \`lakestep report\` or \`lakestep executions --stage\` shows it)`,
    );
  return record.failedDays;
}
