import { describeListings, TerminalReporter } from '../../../src/cli/reporter';
import type { EventLog } from '../../../src/local/executeStateMachine';

const group = { groupId: 'g1', dataset: 'access_records', from: '2024-03-01', to: '2024-03-02', dayCount: 2 };
const launched = {
  type: 'StateEntered',
  timestamp: 0,
  state: { name: 'LaunchStep', type: 'Task', input: { group } },
} as unknown as EventLog;
const checked = {
  type: 'StateExited',
  timestamp: 0,
  state: { name: 'CheckStep', type: 'Task', input: {}, output: { group, status: { state: 'COMPLETED', days: [] } } },
} as unknown as EventLog;

function reporterOn(tty: boolean) {
  let text = '';
  const reporter = new TerminalReporter(
    { write: (chunk: string) => (text += chunk) } as unknown as NodeJS.WritableStream,
    { tty },
  );
  return { reporter, text: () => text };
}

describe('TerminalReporter', () => {
  beforeEach(() => jest.useFakeTimers({ now: 0 }));
  afterEach(() => jest.useRealTimers());

  it('prints a line when a step starts and, on a terminal, redraws the elapsed time until it ends', () => {
    const { reporter, text } = reporterOn(true);

    reporter.onEvent(launched);
    jest.advanceTimersByTime(3000);
    reporter.onEvent(checked);
    const ended = text();
    jest.advanceTimersByTime(3000);

    expect(ended).toContain('step access_records 2024-03-01…2024-03-02 started (2 partitions)\n');
    expect(ended).toContain('\r\x1b[Krunning: access_records 3s');
    expect(ended.endsWith('\r\x1b[K')).toBe(true); // the ticker's line is cleared when the step ends
    expect(text()).toBe(ended); // and nothing is drawn after
  });

  it('draws no ticker when not a terminal (a log file or a pipe), only the start line', () => {
    const { reporter, text } = reporterOn(false);

    reporter.onEvent(launched);
    jest.advanceTimersByTime(3000);

    expect(text()).toBe('step access_records 2024-03-01…2024-03-02 started (2 partitions)\n');
  });
});

describe('TerminalReporter progress over a chain of executions', () => {
  beforeEach(() => jest.useFakeTimers({ now: 0 }));
  afterEach(() => jest.useRealTimers());

  const discovered = (dirtyDays: number, deferredDays: number) =>
    ({
      type: 'StateExited',
      timestamp: 0,
      state: {
        name: 'Discover',
        type: 'Task',
        input: {},
        output: { plan: { dirtyDays, deferredDays, steps: 1, ignoredKeys: 0, skippedKeys: 0, missingRawDays: 0 } },
      },
    }) as unknown as EventLog;
  const stepDone = (days: string[], seconds: number) =>
    ({
      type: 'StateExited',
      timestamp: 0,
      state: {
        name: 'CheckStep',
        type: 'Task',
        input: {},
        output: {
          group,
          status: {
            state: 'COMPLETED',
            seconds,
            days: days.map((day) => ({ day, status: 'succeeded', recordsOut: 1200, rejected: 0 })),
          },
        },
      },
    }) as unknown as EventLog;

  it('counts on from one execution to the next, with the time left, and per-day seconds only for a one-day step', () => {
    const { reporter, text } = reporterOn(false);

    reporter.onEvent(discovered(2, 3));
    reporter.onEvent(launched);
    jest.advanceTimersByTime(4000);
    reporter.onEvent(stepDone(['2024-03-01', '2024-03-02'], 3.5));
    reporter.onEvent(discovered(3, 0)); // the next execution: what was deferred
    reporter.onEvent(launched);
    jest.advanceTimersByTime(2000);
    reporter.onEvent(stepDone(['2024-03-03'], 1.25));
    reporter.onEvent(stepDone(['2024-03-04', '2024-03-05'], 0)); // a result written for a step that never ran

    const progress = text()
      .split('\n')
      .filter((line) => line.startsWith('['));
    expect(progress).toEqual([
      '[1/5] 2024-03-01 access_records ok 1,200 rows',
      '[2/5] 2024-03-02 access_records ok 1,200 rows (step of 2 days 3.5s) · about 5 s left', // 2 s a day, 3 days left
      '[3/5] 2024-03-03 access_records ok 1,200 rows 1.3s · about 5 s left',
      '[4/5] 2024-03-04 access_records ok 1,200 rows',
      '[5/5] 2024-03-05 access_records ok 1,200 rows',
    ]);
    expect(text()).toContain('plan: 2 days in 1 step; 3 more day partitions in the executions that follow\n');
  });
});

describe('describeListings', () => {
  it('says which arrival days a bounded discovery listed, and nothing when every dataset was listed whole', () => {
    expect(
      describeListings([
        { dataset: 'access_records', scope: 'days', days: 2, from: '2024-03-05', to: '2024-03-06' },
        { dataset: 'file_downloads', scope: 'days', days: 4, from: '2024-01-09', to: '2024-03-06' }, // a rerun's windows and the scheduled one
        { dataset: 'node_snapshots', scope: 'all', reason: 'first_run' },
        { dataset: 'archived', scope: 'days', days: 0 },
      ]),
    ).toBe(
      'listed raw arrival days: access_records 2024-03-05…2024-03-06, file_downloads 2024-01-09…2024-03-06 (4 days), node_snapshots every day (first run), archived none' +
        ' (the others are as the ledger recorded them; `--full` lists every day)',
    );
    expect(describeListings([{ dataset: 'access_records', scope: 'all', reason: 'full' }])).toBeUndefined();
  });
});
