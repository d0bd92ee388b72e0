/**
 * CheckStep's deadline, on a real local step runner (SparkSubmitStepRunner starting a real child process: a
 * stand-in `spark-submit` that sleeps or exits) and a real folder store; only the clock is given.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, projectRoot } from '../../../src/config/config';
import { nextPollSeconds } from '../../../src/core/stepPolling';
import type { StepResult } from '../../../src/core/types';
import { FolderObjectStore } from '../../../src/local/folderObjectStore';
import { SparkSubmitStepRunner } from '../../../src/local/sparkSubmitStepRunner';
import { checkStep, type LaunchedStep } from '../../../src/pipeline/steps';
import { stepSpec } from '../../helpers/stepSpec';

const MINUTE = 60_000;
const LAUNCHED_AT = Date.UTC(2024, 2, 5, 10, 0, 0);

describe('checkStep with a deadline', () => {
  let dir: string;
  let store: FolderObjectStore;

  /** A runner whose `spark-submit` runs `script` (sh). */
  function runnerRunning(script: string): SparkSubmitStepRunner {
    const bin = join(dir, `bin-${Math.random().toString(36).slice(2)}`);
    mkdirSync(bin);
    writeFileSync(join(bin, 'spark-submit'), `#!/bin/sh\n${script}\n`);
    chmodSync(join(bin, 'spark-submit'), 0o755);
    return new SparkSubmitStepRunner({
      lakeDir: join(dir, 'lake'),
      projectRoot: projectRoot(),
      config: loadConfig(),
      python: join(bin, 'python'),
    });
  }

  async function launch(runner: SparkSubmitStepRunner): Promise<LaunchedStep> {
    const spec = stepSpec({ days: ['2024-03-05', '2024-03-06'] });
    const { stepId } = await runner.submit(spec);
    return {
      stepId,
      resultKey: spec.resultKey,
      group: { groupId: spec.groupId, dataset: spec.dataset, stageVersion: spec.stageVersion, days: spec.days },
      launchedAtMs: LAUNCHED_AT,
      deadlineMs: LAUNCHED_AT + 120 * MINUTE,
    };
  }
  const at = (ms: number) => ({ nowMs: () => ms });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lakestep-deadline-'));
    store = new FolderObjectStore(join(dir, 'lake'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps a running step before its deadline, and says when to look again (the backoff, cut at the deadline)', async () => {
    const runner = runnerRunning('exec sleep 30');
    const step = await launch(runner);

    const early = await checkStep({ store, steps: runner, clock: at(LAUNCHED_AT + 10 * MINUTE) }, step);
    const late = await checkStep({ store, steps: runner, clock: at(LAUNCHED_AT + 119 * MINUTE) }, step);

    expect(early).toEqual({ state: 'RUNNING', pollSeconds: nextPollSeconds(600) });
    expect(early.pollSeconds).toBe(300);
    expect(late).toEqual({ state: 'RUNNING', pollSeconds: 60 }); // the next look is at the deadline
    await runner.cancel(step.stepId);
  });

  it('cancels a step past its deadline and fails each of its days with StepTimeoutError', async () => {
    const runner = runnerRunning('exec sleep 30');
    const step = await launch(runner);

    const status = await checkStep({ store, steps: runner, clock: at(LAUNCHED_AT + 121 * MINUTE) }, step);

    expect(status.state).toBe('FAILED');
    expect(status.failureMessage).toMatch(
      /^step spark-\S+ ran past its deadline \(120 min after launch, stepTimeoutMinutes\) and was cancelled; its days stay dirty/,
    );
    expect((await runner.describe(step.stepId)).state).toBe('CANCELLED'); // the child got SIGTERM
    const result = await store.getJson<StepResult>(step.resultKey);
    expect(result?.days.map((d) => [d.day, d.status, d.error?.name])).toEqual([
      ['2024-03-05', 'failed', 'StepTimeoutError'],
      ['2024-03-06', 'failed', 'StepTimeoutError'],
    ]);
  });

  it('does not cancel a step that ended, however late the poll', async () => {
    const runner = runnerRunning('exit 0');
    const step = await launch(runner);
    await store.putJson(step.resultKey, {
      groupId: step.group.groupId,
      dataset: 'access_records',
      stageVersion: 'test',
      days: [{ day: '2024-03-05', status: 'succeeded', recordsOut: 7, rejected: 0 }],
      rejectedByReason: {},
      seconds: 3,
    });
    while ((await runner.describe(step.stepId)).state === 'RUNNING') await new Promise((r) => setTimeout(r, 20));

    const status = await checkStep({ store, steps: runner, clock: at(LAUNCHED_AT + 500 * MINUTE) }, step);

    expect(status).toEqual({
      state: 'COMPLETED',
      days: [{ day: '2024-03-05', status: 'succeeded', recordsOut: 7, rejected: 0 }],
      seconds: 3,
    });
  });

  it('never cancels a step launched without a deadline (by a version before deadlines, in flight during a deploy)', async () => {
    const runner = runnerRunning('exec sleep 30');
    const { deadlineMs: _, launchedAtMs: __, ...old } = await launch(runner);

    const status = await checkStep({ store, steps: runner, clock: at(LAUNCHED_AT + 10_000 * MINUTE) }, old);

    expect(status).toEqual({ state: 'RUNNING', pollSeconds: 30 });
    await runner.cancel(old.stepId);
  });
});
