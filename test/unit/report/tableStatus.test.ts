import type { OutputDayState, RawPartitionState } from '../../../src/core/types';
import { stateDays, tableStatus } from '../../../src/report/tableStatus';

const rawState = (day: string, fingerprint: string): RawPartitionState => ({
  dataset: 'access_records',
  day,
  fingerprint,
  objectCount: 2,
  bytes: 20,
});
const outputDay = (day: string, stageVersion: string, recordsOut: number): OutputDayState => ({
  dataset: 'access_records',
  day,
  stageVersion,
  executionId: 'arn:aws:states:us-east-1:1:execution:lakestep-dev-pipeline:run-1',
  committedAtMs: Date.UTC(2024, 2, 7, 10),
  recordsIn: recordsOut,
  recordsOut,
  duplicatesDropped: 0,
  rejected: 0,
});
const ledgerRaw = [rawState('2024-03-01', 'a'), rawState('2024-03-02', 'b'), rawState('2024-03-04', 'c')];
// the lake now: 03-04 got a late file, 03-06 and 03-07 arrived since the last run
const lakeRaw = [
  ...ledgerRaw.slice(0, 2),
  rawState('2024-03-04', 'c2'),
  rawState('2024-03-06', 'd'),
  rawState('2024-03-07', 'e'),
];
const outputs = [
  outputDay('2024-03-01', 'v2', 1200),
  outputDay('2024-03-02', 'v2', 1300),
  outputDay('2024-03-03', 'v1', 7),
  outputDay('2024-03-04', 'v2', 5),
  outputDay('2024-03-05', 'v2', 9),
];
const local = tableStatus({ table: 'access_records', stageVersion: 'v2', ledgerRaw, outputs, lakeRaw });

describe('tableStatus', () => {
  it("compares the lake's raw partitions with the ledger's fingerprints, and output days with the stage version", () => {
    expect(local.raw.map((r) => [r.day, r.state])).toEqual([
      ['2024-03-01', 'processed'],
      ['2024-03-02', 'processed'],
      ['2024-03-04', 'changed'],
      ['2024-03-06', 'new'],
      ['2024-03-07', 'new'],
    ]);
    expect(local.raw[0]).toEqual({ day: '2024-03-01', state: 'processed', objects: 2, bytes: 20 });
    expect(local.outputs.map((o) => o.state)).toEqual(['ok', 'ok', 'stale', 'ok', 'ok']);
    expect(local.outputs[2]).toEqual({
      day: '2024-03-03',
      state: 'stale',
      records: 7,
      stageVersion: 'v1',
      executionId: 'run-1', // named as `lakestep executions` lists it
      committedAt: '2024-03-07T10:00:00.000Z',
    });
  });

  it("shows the ledger's raw partitions as processed when the lake was not listed (a deployed stage)", () => {
    const stage = tableStatus({ table: 'access_records', stageVersion: 'v2', ledgerRaw, outputs });

    expect(stage.raw.map((r) => [r.day, r.state])).toEqual([
      ['2024-03-01', 'processed'],
      ['2024-03-02', 'processed'],
      ['2024-03-04', 'processed'],
    ]);
    expect(stage.outputs).toEqual(local.outputs);
  });
});

describe('stateDays', () => {
  it('groups output days as ok / stale / failed, and raw arrival days as new / changed / missing', () => {
    const states = stateDays(local, ['2024-03-05']);

    expect(states).toEqual([
      { state: 'ok', days: ['2024-03-01', '2024-03-02', '2024-03-04'], records: 2505 },
      { state: 'stale', days: ['2024-03-03'], records: 7 },
      { state: 'failed', days: ['2024-03-05'] }, // the last run failed it: not ok, whatever the ledger holds
      { state: 'raw new', days: ['2024-03-06', '2024-03-07'] },
      { state: 'raw changed', days: ['2024-03-04'] },
      { state: 'missing raw', days: ['2024-03-03', '2024-03-05'] }, // gaps between the first and last arrival day
    ]);
  });

  it('leaves out states with no day (an aggregate has no raw partitions)', () => {
    const aggregate = tableStatus({
      table: 'weekly',
      stageVersion: 'v2',
      ledgerRaw: [],
      outputs: [outputDay('2024-03-01', 'v2', 3)],
      lakeRaw: [],
    });

    expect(stateDays(aggregate, [])).toEqual([{ state: 'ok', days: ['2024-03-01'], records: 3 }]);
  });
});
