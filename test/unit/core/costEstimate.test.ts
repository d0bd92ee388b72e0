import {
  ASSUMED,
  describeEstimate,
  estimateCost,
  MODELLED_STATES,
  type CostSettings,
  type ExecutionWork,
  type StepTiming,
} from '../../../src/core/costEstimate';
import { PRICES } from '../../../src/core/prices';
import { deferredWork, machineShape, workOfPlan } from '../../../src/pipeline/costInputs';
import type { Plan } from '../../../src/core/types';

// The real state machine file: WaitForStepStart 30 s then core/stepPolling's back-off, WaitForCrawler 60 s.
const shape = machineShape();
const settings: CostSettings = {
  instanceType: 'm5.xlarge',
  coreInstanceType: 'm5.xlarge',
  instanceCount: 3,
  stepConcurrency: 2,
  crawlersPerExecution: 8,
};
const assumed: StepTiming = { secondsPerDay: 120, stepStartupSeconds: 60, source: 'assumed', basis: 'assumed' };

// Phase 0: access_records 2 days and node_snapshots 1 day in parallel; phase 1: an aggregate of 3 days.
const smallPlan: ExecutionWork = {
  phases: [{ groups: [{ days: 2 }, { days: 1 }] }, { groups: [{ days: 3 }] }],
  outputDays: 6,
  rawPartitions: 4,
  removedRawPartitions: 0,
  continues: false,
};

describe('machineShape', () => {
  it('reads the poll waits and every state the estimate walks from the state machine file', () => {
    expect(shape.crawlerPollSeconds).toBe(60);
    for (const name of MODELLED_STATES) expect([name, shape.stateTypes[name]]).toEqual([name, expect.any(String)]);
  });
});

describe('estimateCost', () => {
  it('prices a small plan as computed by hand', () => {
    const e = estimateCost([smallPlan], settings, assumed, shape, PRICES);

    // Steps (60 s start-up + 120 s a day): 300 s, 180 s, 420 s. Polls at 30 s, then every half the step's
    // age (30–300 s), the last at the step's end: 300 s → 30, 60, 90, 135, 203, 300 = 6; 180 s → 30, 60,
    // 90, 135, 180 = 5; 420 s → 30, 60, 90, 135, 203, 305, 420 = 7; 18 in all.
    // Crawl 90 s → polls of 60 s: 2.
    // Transitions: head 5 (ValidateInput, AcquireLock, LockTaken, Discover, HasWork) + EnsureCluster,
    //   TransformPhases 2 + TransformDays ×2 phases 2 + (LaunchStep, GroupEnded) ×3 groups 6
    //   + (WaitForStepStart or WaitForStep, CheckStep, StepDone) ×18 polls 54 + tail 8 (LaunchExports,
    //   ExportsLaunched, TerminateCluster, StartCrawler, CommitLedger, ReleaseLock, MoreToDo, Done)
    //   + (WaitForCrawler, CheckCrawler, CrawlerDone) ×2 6 = 83.
    expect(e.stateTransitions.count).toBe(83);
    // 83 × $0.025 / 1,000 = $0.002075
    expect(e.stateTransitions.usd).toBeCloseTo(0.002075, 6);
    // Events: execution 2 + Map iterations (2 phases + 3 groups) × 2 = 10
    //   + head 3 Tasks × 5 + 2 Choices × 2 = 19 + EnsureCluster 5 + TransformPhases 4 + TransformDays 4 × 2 = 8
    //   + LaunchStep 5 × 3 = 15 + GroupEnded 2 × 3 = 6 + poll (2 + 5 + 2) × 18 = 162
    //   + tail 5 Tasks × 5 + ExportsLaunched 2 + MoreToDo 2 + Done 2 = 31 + crawler poll 9 × 2 = 18 → 280.
    expect(e.historyEvents).toEqual({ maxPerExecution: 280, limit: 25_000, withinLimit: true });
    // Cluster: phase 0 max(300, (300 + 180) / 2) = 300, phase 1 420, + 480 start-up = 1,200 s;
    // 3 instances × 1,200 s = 1 instance-hour; × ($0.192 EC2 + $0.048 EMR) = $0.24.
    expect(e.emr.clusterSeconds).toBe(1200);
    expect(e.emr.instanceHours).toBe(1);
    expect(e.emr.usd).toBeCloseTo(0.24, 6);
    // Crawlers: 8 runs × 2 DPUs × 600 s (the 10-minute minimum) = 2.667 DPU-hours × $0.44 = $1.173333.
    expect(e.crawlers.runs).toBe(8);
    expect(e.crawlers.dpuHours).toBe(2.667);
    expect(e.crawlers.usd).toBeCloseTo(1.173333, 6);
    // DynamoDB: lock + RUNNING record 2 + lock renewals 18 + days 6 + raw 4 + record 1 + lock delete 1 = 32
    // × $0.625 / 1,000,000 = $0.00002.
    expect(e.dynamoDb.writes).toBe(32);
    expect(e.dynamoDb.usd).toBeCloseTo(0.00002, 7);
    // 0.002075 + 0.24 + 1.1733333 + 0.00002 = 1.4154283
    expect(e.totalUsd).toBeCloseTo(1.415428, 6);
    expect(e.prices.asOf).toBe(PRICES.asOf);
    expect(e.notes[0]).toMatch(/assumed: 60 s start-up per step \+ 120 s per table-day/);
  });

  it('takes measured step seconds as they are and counts the next execution of a cut run', () => {
    const work: ExecutionWork = {
      phases: [{ groups: [{ days: 7, seconds: 61 }] }],
      outputDays: 7,
      rawPartitions: 7,
      removedRawPartitions: 0,
      continues: true,
    };
    const measured: StepTiming = { secondsPerDay: 61 / 7, stepStartupSeconds: 0, source: 'measured', basis: 'a test' };

    const e = estimateCost([work], { ...settings, existingCluster: 'j-1' }, measured, shape, PRICES);

    // 61 s → 3 polls (30, 60, 61); transitions 5 + 2 + 1 + 2 + 9 + 8 + 6 + ContinueRun 1 = 34
    expect(e.stateTransitions.count).toBe(34);
    // an existing cluster: no start-up, 61 s × 3 instances = 0.051 instance-hours
    expect(e.emr.clusterSeconds).toBe(61);
    expect(e.emr.instanceHours).toBe(0.051);
    expect(e.notes[0]).toMatch(/measured: 8.7 s \(a test\)/);
  });

  it('flags an execution over the 25,000 history events', () => {
    const group = { days: 1, seconds: 90_000 };
    const long: ExecutionWork = {
      phases: [{ groups: Array(10).fill(group) }],
      outputDays: 10,
      rawPartitions: 10,
      removedRawPartitions: 0,
      continues: false,
    };

    const e = estimateCost([long], settings, assumed, shape, PRICES);

    // 10 steps of 25 h: 306 polls each (the back-off reaches 300 s), 3,060 polls × 9 = 27,540
    //   + execution 2 + iterations (1 phase + 10 groups) × 2 = 22 + head 19 + EnsureCluster 5 + TransformPhases 4
    //   + TransformDays 4 + LaunchStep 5 × 10 + GroupEnded 2 × 10 + tail 31 + crawler poll 18 = 27,715
    expect(e.historyEvents).toEqual({ maxPerExecution: 27_715, limit: 25_000, withinLimit: false });
    expect(describeEstimate(e, 'cost').join('\n')).toMatch(/OVER THE LIMIT/);
  });

  it('costs a run with nothing to do its few states and writes', () => {
    const idle: ExecutionWork = {
      phases: [],
      outputDays: 0,
      rawPartitions: 0,
      removedRawPartitions: 0,
      continues: false,
    };

    const e = estimateCost([idle], settings, assumed, shape, PRICES);

    // head 5 + ReleaseLock, MoreToDo, Done = 8; events 2 + 19 + 5 + 2 + 2 = 30
    expect([
      e.stateTransitions.count,
      e.historyEvents.maxPerExecution,
      e.dynamoDb.writes,
      e.crawlers.runs,
      e.emr.instanceHours,
    ]).toEqual([8, 30, 3, 0, 0]);
  });

  it('leaves EMR unpriced for an instance type the table lacks, and says so', () => {
    const e = estimateCost([smallPlan], { ...settings, coreInstanceType: 'x9.huge' }, assumed, shape, PRICES);

    expect(e.emr.usd).toBeUndefined();
    expect(e.totalUsd).toBeUndefined();
    expect(e.notes).toContain('no price for instance type x9.huge in src/core/prices.ts: EMR is not priced');
  });
});

describe('workOfPlan and deferredWork', () => {
  it('groups a plan by phase and spreads deferred days over full executions', () => {
    const plan = {
      groups: [
        {
          groupId: 'g1',
          dataset: 'a',
          phase: 0,
          period: 'day',
          days: ['2024-03-01', '2024-03-02'],
          rawDays: [],
          reads: [],
        },
        { groupId: 'g2', dataset: 'agg', phase: 1, period: 'day', days: ['2024-03-01'], rawDays: [], reads: [] },
      ],
      days: [{}, {}, {}],
      rawPartitions: [{}, {}],
      removedRawDays: [],
      deferred: { until: '2024-03-02', days: 45 },
    } as unknown as Plan;

    expect(workOfPlan(plan, [{ seconds: 12 } as never, undefined])).toEqual({
      phases: [{ groups: [{ days: 2, seconds: 12 }] }, { groups: [{ days: 1 }] }],
      outputDays: 3,
      rawPartitions: 2,
      removedRawPartitions: 0,
      continues: true,
    });
    // 45 days, 7 a step, 3 steps an execution: 21 + 21 + 3
    const rest = deferredWork(45, { maxDaysPerStep: 7, maxStepsPerExecution: 3 });
    expect(rest.map((w) => [w.phases[0].groups.map((g) => g.days), w.continues])).toEqual([
      [[7, 7, 7], true],
      [[7, 7, 7], true],
      [[3], false],
    ]);
    expect(ASSUMED.crawlerDpus).toBe(2);
  });
});
