import { loadConfig } from '../../../src/config/config';
import { lastInputDay } from '../../../src/pipeline/commitLedger';

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
