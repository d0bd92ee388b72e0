import { loadConfig } from '../../../src/config/config';
import { dayRange } from '../../../src/core/days';
import { describeFailedDays, lastInputDay } from '../../../src/pipeline/commitLedger';

describe('lastInputDay (when a day is complete enough to judge its row count)', () => {
  const config = loadConfig();

  it.each([
    ['access_records', '2024-03-05', '2024-03-06'], // lateness 1: raw arrival day 03-06 can still add to it
    ['node_snapshots', '2024-03-05', '2024-03-05'], // a dump is its own day
    ['file_downloads', '2024-03-05', '2024-03-06'], // its own lateness, and the snapshot of 03-06 it reads
    ['project_downloads_daily', '2024-03-05', '2024-03-06'], // 28 days of downloads ending on the day itself
    ['client_share_4w', '2024-03-04', '2024-03-11'], // the week of Monday 03-04 reads access_records to Sunday 03-10, + 1
  ])('%s %s → %s', (table, day, expected) => {
    expect(lastInputDay(config, table, day)).toBe(expected);
  });
});

describe('describeFailedDays (the cause in the ledger, the alert and the Fail state)', () => {
  const days = (n: number) => Array.from({ length: n }, () => ({}));
  const threshold = 'RejectThresholdError: access_records: 54 of 449 records rejected (12.0 %)';

  it('names each table and error once, its days as ranges', () => {
    const failedDays = [
      ...dayRange('2024-03-01', '2024-03-07').map((day) => ({ dataset: 'access_records', day, error: threshold })),
      { dataset: 'access_records', day: '2024-03-09', error: threshold },
      { dataset: 'client_share_4w', day: '2024-03-04', error: 'UpstreamFailedError: access_records failed' },
    ];

    const text = describeFailedDays({ failedDays, days: days(20) } as never);

    expect(text).toBe(
      `9 of 20 days failed: access_records 2024-03-01…2024-03-07, 2024-03-09 (${threshold}); client_share_4w 2024-03-04 (UpstreamFailedError: access_records failed)`,
    );
  });

  it('stays under 4,000 characters however many days failed with different errors', () => {
    const failedDays = dayRange('2020-01-01', '2023-12-31').map((day) => ({
      dataset: 'access_records',
      day,
      error: `CheckFailedError: not_null_session_id on ${day}`,
    }));

    const text = describeFailedDays({ failedDays, days: days(failedDays.length) } as never);

    expect(text.length).toBeLessThanOrEqual(4_000);
    expect(text).toMatch(/^1461 of 1461 days failed: access_records 2020-01-01 \(CheckFailedError/);
    expect(text.endsWith('… (cut; the run report lists every day)')).toBe(true);
  });
});
