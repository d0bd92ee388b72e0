import { colourEnabled, paint } from '../../../src/cli/colour';
import { failureLines, withoutErrorName } from '../../../src/cli/failureText';

describe('failureLines', () => {
  const days = (n: number) => Array.from({ length: n }, () => ({}) as never);

  it('names each failed range once, points to the step error printed above, and prints the rerun command', () => {
    const summary = {
      days: days(19),
      failedDays: [
        {
          dataset: 'node_snapshots',
          day: '2024-03-04',
          error:
            'StepFailedError: step duckdb-node_snapshots-1 failed: spark/sql/node_snapshots.sql line 12: Catalog Error',
        },
        {
          dataset: 'node_snapshots',
          day: '2024-03-05',
          error:
            'StepFailedError: step duckdb-node_snapshots-1 failed: spark/sql/node_snapshots.sql line 12: Catalog Error',
        },
        { dataset: 'access_records', day: '2024-03-05', error: 'RejectThresholdError: 12 of 100 records rejected' },
      ],
    };

    const lines = failureLines(
      'run-1',
      { Error: 'DaysFailedError', Cause: '3 of 19 days failed: …' },
      summary,
      " --lake '/tmp/my lake'",
    );

    expect(lines).toEqual([
      'error: execution run-1 failed: 3 of 19 days failed: node_snapshots 2024-03-04…2024-03-05 (their step failed: its error is above); access_records 2024-03-05 (12 of 100 records rejected)',
      "retry them: lakestep run --rerun run-1 --lake '/tmp/my lake'",
    ]);
    expect(lines.join('\n')).not.toContain('Catalog Error');
  });

  it('prints the cause without a class-name prefix when no day was recorded failed', () => {
    expect(
      failureLines('run-2', { Error: 'InputError', Cause: 'InputError: backfill.to: bad' }, undefined, ''),
    ).toEqual(['error: execution run-2 failed: InputError: backfill.to: bad']);
    expect(withoutErrorName('CrawlerFailedError: crawl failed')).toBe('crawl failed');
  });
});

describe('colourEnabled', () => {
  const tty = { isTTY: true } as unknown as NodeJS.WritableStream;
  const pipe = {} as NodeJS.WritableStream;

  it('colours a terminal only, and never with NO_COLOR set', () => {
    expect(colourEnabled(tty, {})).toBe(true);
    expect(colourEnabled(tty, { NO_COLOR: '' })).toBe(true); // empty means unset (no-color.org)
    expect(colourEnabled(tty, { NO_COLOR: '1' })).toBe(false);
    expect(colourEnabled(pipe, {})).toBe(false);
    expect(paint(true).failed('x')).toBe('\x1b[31mx\x1b[39m');
    expect(paint(false).failed('x')).toBe('x');
  });
});
