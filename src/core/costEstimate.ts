/**
 * What a run costs on AWS: Step Functions state transitions, the history events of the busiest
 * execution against the 25,000 limit, EMR instance-hours, Glue crawler DPU-hours and DynamoDB writes,
 * each priced from core/prices.ts. Pure: the plan's shape, the stage's settings, the timing and the
 * state machine's shape come in; nothing is read here.
 *
 * The execution model it counts (states entered, polls, history events per state): docs/cost-model.md.
 * Over 300 lines: one model; its counts, times and prices are read together.
 */

import type { Prices } from './prices';
import { maxPollsOfStep } from './stepPolling';

/** Events one state of each type adds to the history when it is entered once on the success path. */
export const HISTORY_EVENTS_PER_STATE: Record<string, number> = {
  Task: 5,
  Choice: 2,
  Wait: 2,
  Pass: 2,
  Succeed: 2,
  Map: 4,
};
/** Events per Map iteration (MapIterationStarted, MapIterationSucceeded), and per execution (started, succeeded). */
export const HISTORY_EVENTS_PER_ITERATION = 2;
export const HISTORY_EVENTS_PER_EXECUTION = 2;
/** A Standard execution's history limit. */
export const HISTORY_EVENT_LIMIT = 25_000;

/** Figures lakestep cannot measure here; each is stated as assumed wherever it is used. */
export const ASSUMED = {
  /** seconds of EMR work per table-day, when no earlier run measured one */
  secondsPerDay: 120,
  /** spark-submit start-up of one EMR step (a JVM, a Spark context), added to every step when seconds per day are assumed */
  stepStartupSeconds: 60,
  /** a transient cluster's provisioning and bootstrap before its first step (billed) */
  clusterStartSeconds: 480,
  /** one crawler run (they bill at least 10 minutes anyway) */
  crawlerSeconds: 90,
  /** DPUs a crawler run uses (AWS does not publish it; its pricing example uses 2) */
  crawlerDpus: 2,
} as const;

/** The state machine's names, types and Wait seconds (pipeline/costInputs machineShape reads them from the file). */
export interface MachineShape {
  /** state name → Type, nested Map processors included */
  stateTypes: Record<string, string>;
  /** WaitForCrawler's Seconds */
  crawlerPollSeconds: number;
}

/** One execution's work. */
export interface ExecutionWork {
  /** per phase, its step groups: days computed and, for work done, the step's measured seconds */
  phases: { groups: { days: number; seconds?: number }[] }[];
  /** output (table, day) pairs committed */
  outputDays: number;
  /** raw partition fingerprints committed, and removed */
  rawPartitions: number;
  removedRawPartitions: number;
  /** the execution starts the next one of a cut run (ContinueRun) */
  continues: boolean;
}

/** The stage's compute settings (serverless.yml params, or the Lambda's environment). */
export interface CostSettings {
  /** master instance type */
  instanceType: string;
  /** core instance type (default: instanceType) */
  coreInstanceType?: string;
  /** instances, the master included */
  instanceCount: number;
  /** Map MaxConcurrency = EMR StepConcurrencyLevel */
  stepConcurrency: number;
  /** an existing cluster (EMR_CLUSTER_ID): no start-up is billed to the run, its instance types may differ */
  existingCluster?: string;
  /** crawler runs per execution with work (one per processed and per rejected table) */
  crawlersPerExecution: number;
}

/** How long steps take: measured by earlier runs, or assumed (ASSUMED). */
export interface StepTiming {
  secondsPerDay: number;
  /** added to every step whose seconds are not measured (0 when secondsPerDay was measured: it includes start-up) */
  stepStartupSeconds: number;
  source: 'measured' | 'assumed';
  /** where a measured figure comes from, e.g. `mean of 4 earlier run reports (31 days)` */
  basis: string;
}

export interface CostEstimate {
  /** PRICES.asOf and where the prices come from */
  prices: { asOf: string; region: string; sources: string[] };
  executions: number;
  stateTransitions: { count: number; usd: number };
  historyEvents: { maxPerExecution: number; limit: number; withinLimit: boolean };
  emr: {
    instanceHours: number;
    /** undefined when an instance type is not in PRICES */
    usd?: number;
    instances: { type: string; count: number; usdPerHour?: number }[];
    clusterSeconds: number;
    secondsPerDay: number;
    timing: 'measured' | 'assumed';
    basis: string;
  };
  crawlers: { runs: number; dpuHours: number; usd: number };
  dynamoDb: { writes: number; usd: number };
  /** undefined when a part could not be priced */
  totalUsd?: number;
  /** each assumption and caveat, in words */
  notes: string[];
}

const HEAD = ['ValidateInput', 'AcquireLock', 'LockTaken', 'Discover', 'HasWork'];
const WORK_HEAD = ['EnsureCluster', 'TransformPhases'];
// LaunchExports → ExportsLaunched: the export phase with no export step (its step, when exports are due, is not modelled)
const WORK_TAIL = [
  'LaunchExports',
  'ExportsLaunched',
  'TerminateCluster',
  'StartCrawler',
  'CommitLedger',
  'ReleaseLock',
  'MoreToDo',
  'Done',
];
const IDLE_TAIL = ['ReleaseLock', 'MoreToDo', 'Done'];
const FIRST_STEP_POLL = ['WaitForStepStart', 'CheckStep', 'StepDone'];
const STEP_POLL = ['WaitForStep', 'CheckStep', 'StepDone'];
const CRAWLER_POLL = ['WaitForCrawler', 'CheckCrawler', 'CrawlerDone'];

/** Every state name the model walks: a test checks each is in the state machine file. */
export const MODELLED_STATES = [
  ...HEAD,
  ...WORK_HEAD,
  'TransformDays',
  'LaunchStep',
  ...FIRST_STEP_POLL,
  ...STEP_POLL,
  'GroupEnded',
  ...WORK_TAIL,
  ...CRAWLER_POLL,
  'ContinueRun',
];

/** Seconds a step takes: measured, or start-up plus days × seconds per day. */
export const stepSeconds = (group: { days: number; seconds?: number }, timing: StepTiming) =>
  group.seconds ?? timing.stepStartupSeconds + group.days * timing.secondsPerDay;

/** Polls of a wait loop: the state waits first, so at least one. */
const polls = (seconds: number, pollSeconds: number) => Math.max(1, Math.ceil(seconds / pollSeconds));

/**
 * States entered, transitions and history events of one execution.
 * @throws Error naming a modelled state the shape does not have (the state machine changed)
 */
export function executionEvents(
  work: ExecutionWork,
  shape: MachineShape,
  timing: StepTiming,
): { transitions: number; events: number; stepPolls: number } {
  const visits = new Map<string, number>();
  const visit = (names: string[], times = 1) =>
    names.forEach((n) => {
      visits.set(n, (visits.get(n) ?? 0) + times);
    });
  const groups = work.phases.flatMap((p) => p.groups);
  let iterations = 0;
  let stepPolls = 0;
  visit(HEAD);
  if (groups.length === 0) visit(IDLE_TAIL);
  else {
    visit(WORK_HEAD);
    visit(['TransformDays'], work.phases.length);
    iterations += work.phases.length + groups.length;
    for (const g of groups) {
      const n = maxPollsOfStep(Math.max(1, stepSeconds(g, timing)));
      stepPolls += n;
      visit(['LaunchStep', 'GroupEnded']);
      visit(FIRST_STEP_POLL);
      visit(STEP_POLL, n - 1);
    }
    visit(WORK_TAIL);
    visit(CRAWLER_POLL, polls(ASSUMED.crawlerSeconds, shape.crawlerPollSeconds));
    if (work.continues) visit(['ContinueRun']);
  }
  let transitions = 0;
  let events = HISTORY_EVENTS_PER_EXECUTION + HISTORY_EVENTS_PER_ITERATION * iterations;
  for (const [name, times] of visits) {
    const type = shape.stateTypes[name];
    if (!type || !(type in HISTORY_EVENTS_PER_STATE))
      throw new Error(
        `cost estimate: state ${name} is not in the state machine as modelled (type ${type ?? 'missing'}); update core/costEstimate.ts`,
      );
    transitions += times;
    events += times * HISTORY_EVENTS_PER_STATE[type];
  }
  return { transitions, events, stepPolls };
}

/**
 * Seconds the cluster runs for one execution's steps: per phase, its steps' seconds shared over
 * min(stepConcurrency, its groups), never less than its longest step; plus the transient cluster's start.
 */
export function clusterSeconds(work: ExecutionWork, settings: CostSettings, timing: StepTiming): number {
  const groups = work.phases.flatMap((p) => p.groups);
  if (groups.length === 0) return 0;
  const phases = work.phases.reduce((total, phase) => {
    if (!phase.groups.length) return total;
    const seconds = phase.groups.map((g) => stepSeconds(g, timing));
    const sum = seconds.reduce((a, b) => a + b, 0);
    return total + Math.max(Math.max(...seconds), sum / Math.min(settings.stepConcurrency, phase.groups.length));
  }, 0);
  return phases + (settings.existingCluster ? 0 : ASSUMED.clusterStartSeconds);
}

/**
 * DynamoDB writes of one execution: the lock's put and the RUNNING record (AcquireLock), one lock
 * renewal per CheckStep poll, the committed output days, raw fingerprints and removals and the
 * execution's record (CommitLedger), the lock's delete (ReleaseLock). Nothing to do: put, record, delete.
 */
export function dynamoWrites(work: ExecutionWork, stepPolls: number): number {
  if (work.phases.every((p) => p.groups.length === 0)) return 3;
  return 2 + stepPolls + work.outputDays + work.rawPartitions + work.removedRawPartitions + 1 + 1;
}

/** Dollars to 8 decimals (a run's DynamoDB writes cost millionths), hours to 3. */
const usd = (x: number) => Math.round(x * 1e8) / 1e8;
const hours = (x: number) => Math.round(x * 1000) / 1000;

/**
 * The cost of `executions` (a chain's, in order) at `settings`.
 * @param executions each execution's work; an empty list costs nothing
 * @example estimateCost([{ phases: [{ groups: [{ days: 1 }] }], outputDays: 1, rawPartitions: 1, removedRawPartitions: 0, continues: false }], settings, timing, shape, PRICES).totalUsd
 */
export function estimateCost(
  executions: ExecutionWork[],
  settings: CostSettings,
  timing: StepTiming,
  shape: MachineShape,
  prices: Prices,
): CostEstimate {
  let transitions = 0;
  let maxEvents = 0;
  let seconds = 0;
  let crawlerRuns = 0;
  let writes = 0;
  for (const work of executions) {
    const counted = executionEvents(work, shape, timing);
    transitions += counted.transitions;
    maxEvents = Math.max(maxEvents, counted.events);
    seconds += clusterSeconds(work, settings, timing);
    if (work.phases.some((p) => p.groups.length)) crawlerRuns += settings.crawlersPerExecution;
    writes += dynamoWrites(work, counted.stepPolls);
  }
  const core = settings.coreInstanceType || settings.instanceType;
  const instances = [
    { type: settings.instanceType, count: 1 },
    ...(settings.instanceCount > 1 ? [{ type: core, count: settings.instanceCount - 1 }] : []),
  ].map((i) => {
    const p = prices.instances.byType[i.type];
    return { ...i, ...(p ? { usdPerHour: p.ec2UsdPerHour + p.emrUsdPerHour } : {}) };
  });
  const instanceHours = (settings.instanceCount * seconds) / 3600;
  const emrUsd = instances.every((i) => i.usdPerHour !== undefined)
    ? instances.reduce((sum, i) => sum + (i.count * seconds * i.usdPerHour!) / 3600, 0)
    : undefined;
  const billedCrawlerSeconds = Math.max(prices.crawlerMinimumSeconds, ASSUMED.crawlerSeconds);
  const dpuHours = (crawlerRuns * ASSUMED.crawlerDpus * billedCrawlerSeconds) / 3600;
  const parts = {
    transitions: transitions * prices.stateTransition.usd,
    crawlers: dpuHours * prices.crawlerDpuHour.usd,
    writes: writes * prices.dynamoDbWrite.usd,
  };
  const notes = [
    timing.source === 'measured'
      ? `EMR seconds per table-day measured: ${timing.secondsPerDay.toFixed(1)} s (${timing.basis})`
      : `EMR seconds assumed: ${timing.stepStartupSeconds} s start-up per step + ${timing.secondsPerDay} s per table-day (no earlier run measured one)`,
    settings.existingCluster
      ? `existing cluster ${settings.existingCluster}: its instance types are taken to be the stage's emrInstanceType params; the hours are the steps' share of a cluster that runs anyway`
      : `transient cluster: ${ASSUMED.clusterStartSeconds} s of start-up assumed per execution`,
    `crawler runs assumed ${ASSUMED.crawlerSeconds} s with ${ASSUMED.crawlerDpus} DPUs, billed ${billedCrawlerSeconds / 60} minutes each (the minimum)`,
    ...instances
      .filter((i) => i.usdPerHour === undefined)
      .map((i) => `no price for instance type ${i.type} in src/core/prices.ts: EMR is not priced`),
    'Athena queries, S3 requests and storage, Lambda and CloudWatch are not included',
  ];
  return {
    prices: {
      asOf: prices.asOf,
      region: prices.region,
      sources: [
        prices.stateTransition.source,
        prices.instances.source,
        prices.crawlerDpuHour.source,
        prices.dynamoDbWrite.source,
      ],
    },
    executions: executions.length,
    stateTransitions: { count: transitions, usd: usd(parts.transitions) },
    historyEvents: {
      maxPerExecution: maxEvents,
      limit: HISTORY_EVENT_LIMIT,
      withinLimit: maxEvents <= HISTORY_EVENT_LIMIT,
    },
    emr: {
      instanceHours: hours(instanceHours),
      ...(emrUsd !== undefined ? { usd: usd(emrUsd) } : {}),
      instances,
      clusterSeconds: Math.round(seconds * 10) / 10,
      secondsPerDay: timing.secondsPerDay,
      timing: timing.source,
      basis: timing.basis,
    },
    crawlers: { runs: crawlerRuns, dpuHours: hours(dpuHours), usd: usd(parts.crawlers) },
    dynamoDb: { writes, usd: usd(parts.writes) },
    ...(emrUsd !== undefined ? { totalUsd: usd(parts.transitions + emrUsd + parts.crawlers + parts.writes) } : {}),
    notes,
  };
}

/** A dollar figure: cents for what costs cents, two significant digits below that (DynamoDB's millionths). */
export const formatUsd = (x: number | undefined) =>
  x === undefined ? 'not priced' : x >= 0.01 || x === 0 ? `$${x.toFixed(2)}` : `$${x.toPrecision(2)}`;

/** The estimate as rows `[what, how much, price]` (price '' where there is none), for the text and the HTML report. */
export function estimateRows(e: CostEstimate): [string, string, string][] {
  const n = (x: number) => x.toLocaleString('en-US');
  return [
    ['state transitions', n(e.stateTransitions.count), formatUsd(e.stateTransitions.usd)],
    [
      'history events',
      `at most ${n(e.historyEvents.maxPerExecution)} in one execution (limit ${n(e.historyEvents.limit)}${e.historyEvents.withinLimit ? '' : ': OVER THE LIMIT'})`,
      '',
    ],
    [
      'EMR',
      `${e.emr.instanceHours} instance-hours (${e.emr.instances.map((i) => `${i.count} × ${i.type}`).join(' + ')}, ${n(e.emr.clusterSeconds)} s)`,
      formatUsd(e.emr.usd),
    ],
    ['Glue crawlers', `${n(e.crawlers.runs)} runs, ${e.crawlers.dpuHours} DPU-hours`, formatUsd(e.crawlers.usd)],
    ['DynamoDB', `${n(e.dynamoDb.writes)} writes`, formatUsd(e.dynamoDb.usd)],
  ];
}

/** The estimate as lines for the terminal and the text report. */
export function describeEstimate(e: CostEstimate, heading: string): string[] {
  return [
    `${heading} ${formatUsd(e.totalUsd)} (AWS list prices, ${e.prices.region}, ${e.prices.asOf}; ${e.executions} execution${e.executions === 1 ? '' : 's'})`,
    ...estimateRows(e).map(([what, amount, price]) => `  ${what}: ${amount}${price ? `, ${price}` : ''}`),
    ...e.notes.map((note) => `  note: ${note}`),
  ];
}
