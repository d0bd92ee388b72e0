import { dayRange } from '../../../src/core/days';
import { InputError } from '../../../src/core/errors';
import {
  dayOfPartitionPath,
  dayPartitions,
  partitionColumns,
  partitionPath,
  PARTITION_LAYOUTS,
  type PartitionLayout,
} from '../../../src/core/partitionLayout';

describe('partitionPath', () => {
  it('is Hive-style year/month/day, zero-padded, by default', () => {
    const day = '2024-01-05';

    const path = partitionPath(day);

    expect(path).toBe('year=2024/month=01/day=05');
  });

  it('is record_date=YYYY-MM-DD in the date layout', () => {
    const day = '2024-01-05';

    const path = partitionPath(day, 'date');

    expect(path).toBe('record_date=2024-01-05');
  });

  it.each(PARTITION_LAYOUTS)('refuses a day that is not a calendar date (%s)', (layout) => {
    const day = '2023-02-29';

    const act = () => partitionPath(day, layout);

    expect(act).toThrow(InputError);
  });
});

describe('partitionColumns', () => {
  it('names the folder segments, outermost first', () => {
    const columns = PARTITION_LAYOUTS.map((layout) => [layout, partitionColumns(layout)]);

    expect(columns).toEqual([
      ['ymd', ['year', 'month', 'day']],
      ['date', ['record_date']],
    ]);
  });
});

describe('dayOfPartitionPath', () => {
  it.each(PARTITION_LAYOUTS)('inverts partitionPath over a leap year and a year boundary (%s)', (layout) => {
    const days = dayRange('2023-12-25', '2024-03-05');

    const roundTrips = days.map((day) => dayOfPartitionPath(partitionPath(day, layout), layout));

    expect(roundTrips).toEqual(days);
  });

  it.each([
    ['processed/access_records/year=2024/month=02/day=29/part-00000.parquet', 'ymd'],
    ['processed/access_records/record_date=2024-02-29/part-00000.parquet', 'date'],
  ] as const)('finds the partition inside a full key: %s', (key, layout) => {
    const day = dayOfPartitionPath(key, layout);

    expect(day).toBe('2024-02-29');
  });

  it.each([
    ['year=2023/month=02/day=29', 'ymd', 'not a calendar date'],
    ['year=2024/month=1/day=5', 'ymd', 'not zero-padded'],
    ['xyear=2024/month=01/day=05', 'ymd', 'segment name not whole'],
    ['year=2024/month=01/day=051', 'ymd', 'day segment not whole'],
    ['2024/01/05', 'ymd', 'not Hive-style'],
    ['', 'ymd', 'empty'],
    ['record_date=2024-01-05', 'ymd', 'the other layout'],
    ['year=2024/month=01/day=05', 'date', 'the other layout'],
    ['record_date=2023-02-29', 'date', 'not a calendar date'],
    ['record_date=2024-1-5', 'date', 'not zero-padded'],
    ['xrecord_date=2024-01-05', 'date', 'segment name not whole'],
    ['record_date=2024-01-051', 'date', 'segment not whole'],
  ] as [string, PartitionLayout, string][])('is undefined for %s in %s (%s)', (path, layout) => {
    const day = dayOfPartitionPath(path, layout);

    expect(day).toBeUndefined();
  });
});

describe('dayPartitions', () => {
  it("gives an engine each day's path and the columns to keep out of the files", () => {
    const days = ['2024-03-05', '2024-03-06'];

    const partitions = dayPartitions('date', days);

    expect(partitions).toEqual({
      layout: 'date',
      columns: ['record_date'],
      paths: { '2024-03-05': 'record_date=2024-03-05', '2024-03-06': 'record_date=2024-03-06' },
    });
  });
});
