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
