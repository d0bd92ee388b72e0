/**
 * The real state machine file through the local runner: real handlers, real dynalite, real
 * DuckDB writing real Parquet, on generated data whose exact outcome the generator computed.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { addDays } from '../../src/core/days';
import type { RunSummary } from '../../src/core/summary';
import type { Plan } from '../../src/core/types';
import { executeStateMachine, type ExecutionOutcome } from '../../src/local/executeStateMachine';
import { withLocalRuntime } from '../../src/local/localRuntime';
import { queryCatalog } from '../../src/local/catalogQuery';
import { planKey, summaryKey } from '../../src/core/runKeys';
import { generateSample, rawFileKey, writeRawFile, type SampleSummary } from '../../examples/synapse/sample/generate';
import { changedDays, rowsByDay, snapshotFiles, tmpLake } from '../helpers/lake';

interface Run {
  outcome: ExecutionOutcome;
  summary?: RunSummary;
  plan?: Plan;
}

async function run(lake: string, input: Record<string, unknown> = {}): Promise<Run> {
  return withLocalRuntime({ lakeDir: lake, alertStream: new PassThrough() }, async (runtime) => {
    const outcome = await executeStateMachine(runtime, input);
    return {
      outcome,
      summary: await runtime.ports.store.getJson<RunSummary>(summaryKey(outcome.executionId)),
      plan: await runtime.ports.store.getJson<Plan>(planKey(outcome.executionId)),
    };
  });
}

/** The planned days of one table. */
const daysOf = (run: Run, table = 'access_records') => run.plan?.days.filter((d) => d.dataset === table) ?? [];
/** A table's total over the run's days. */
const totalOf = (run: Run, pick: (d: RunSummary['days'][number]) => number, table = 'access_records') =>
  (run.summary?.days ?? []).filter((d) => d.dataset === table).reduce((n, d) => n + pick(d), 0);
const processed = (lake: string) => join(lake, 'processed/access_records');
const rejected = (lake: string) => join(lake, 'rejected/access_records');
const alerts = (lake: string) =>
  existsSync(join(lake, '_alerts'))
    ? readdirSync(join(lake, '_alerts')).map((f) => JSON.parse(readFileSync(join(lake, '_alerts', f), 'utf8')))
    : [];
/** An access record as Synapse's repository service writes it: the AccessRecord as an envelope's payload. */
const record = (sessionId: string, timestampMs: number) =>
  JSON.stringify({
    stack: 'prod',
    instance: '000000503',
    timestamp: timestampMs + 20,
    payload: {
      sessionId,
      timestamp: timestampMs,
      userId: 7,
      method: 'GET',
      requestURL: '/repo/v1/entity/syn123',
      userAgent: 'synapseclient/2.7.2',
      stack: 'prod',
      instance: '000000503',
    },
  });

describe('the pipeline on the local runtime', () => {
  const lake = tmpLake('e2e');
  let sample: SampleSummary;
  let first: Run;

  beforeAll(async () => {
    // 28 Feb … 1 Mar 2024: across 29 February
    sample = await generateSample({ lakeDir: lake, days: 3, start: '2024-02-28', recordsPerHour: 25, seed: 11 });
    first = await run(lake);
  });
  afterAll(() => rmSync(lake, { recursive: true, force: true }));

  it('writes exactly the expected rows per event day, deduplicated', async () => {
    const byDay = await rowsByDay(processed(lake));

    expect(first.outcome.status).toBe('SUCCEEDED');
    expect(byDay).toEqual(sample.expected.outputRowsByEventDay);
    expect(totalOf(first, (d) => d.recordsOut)).toBe(sample.expected.outputRows);
    expect(totalOf(first, (d) => d.duplicatesDropped)).toBe(sample.expected.duplicatesDropped);
  });

  it('produces the day before the first raw day from records that arrived late', async () => {
    const byDay = await rowsByDay(processed(lake));

    expect(sample.expected.beforeFirstRawDay).toBeGreaterThan(0);
    expect(byDay[addDays(sample.firstDay, -1)]).toBe(
      sample.expected.outputRowsByEventDay[addDays(sample.firstDay, -1)],
    );
  });

  it('quarantines malformed and late records with their reason and raw text', async () => {
    const { rows } = await queryCatalog(
      lake,
      'SELECT reason, count(*) AS n, count(raw_text) AS with_text FROM rejected_access_records GROUP BY reason ORDER BY reason',
    );

    expect(Object.fromEntries(rows.map((r) => [r.reason, Number(r.n)]))).toEqual(sample.expected.rejectedByReason);
    for (const r of rows) expect(Number(r.with_text)).toBe(Number(r.n));
    expect(totalOf(first, (d) => d.rejected)).toBe(sample.expected.rejected);
    expect(totalOf(first, (d) => d.late)).toBe(sample.expected.rejectedByReason.late ?? 0);
  });

  it('publishes the tables to the catalog, with no duplicate keys', async () => {
    const { rows } = await queryCatalog(
      lake,
      `SELECT count(*) AS n, count(DISTINCT (session_id, "timestamp", method, request_url)) AS keys FROM access_records`,
    );

    expect(Number(rows[0].n)).toBe(sample.expected.outputRows);
    expect(Number(rows[0].keys)).toBe(sample.expected.outputRows);
  });

  it('rewrites nothing on a second run with no new data', async () => {
    const before = snapshotFiles(join(lake, 'processed'));

    const second = await run(lake);

    expect(second.outcome.status).toBe('SUCCEEDED');
    expect(second.plan?.days).toEqual([]);
    expect(snapshotFiles(join(lake, 'processed'))).toEqual(before);
  });

  it('recomputes exactly the days a late file can affect', async () => {
    const arrival = addDays(sample.firstDay, 1);
    const at = Date.parse(`${arrival}T12:00:00Z`);
    const before = { ...snapshotFiles(processed(lake)), ...snapshotFiles(rejected(lake)) };
    const rowsBefore = await rowsByDay(processed(lake));
    await writeRawFile(
      lake,
      rawFileKey('raw/access_records/', at, 'late-file'),
      [record('late-1', at), record('late-2', at + 1000)],
      { gzip: true },
    );

    const third = await run(lake);

    const after = { ...snapshotFiles(processed(lake)), ...snapshotFiles(rejected(lake)) };
    expect(third.outcome.status).toBe('SUCCEEDED');
    expect(daysOf(third).map((d) => d.day)).toEqual([addDays(arrival, -1), arrival, addDays(arrival, 1)]);
    expect(daysOf(third).every((d) => d.reasons.some((r) => r.kind === 'late_file' && r.rawDay === arrival))).toBe(
      true,
    );
    // downstream: the weekly client share of the weeks whose 4-week window holds those days, nothing else
    expect(new Set(third.plan?.days.map((d) => d.dataset))).toEqual(new Set(['access_records', 'client_share_4w']));
    expect(
      daysOf(third, 'client_share_4w').every((d) =>
        d.reasons.every((r) => r.kind === 'upstream' && r.table === 'access_records'),
      ),
    ).toBe(true);
    expect(
      changedDays(before, after).every((d) => [addDays(arrival, -1), arrival, addDays(arrival, 1)].includes(d)),
    ).toBe(true);
    expect((await rowsByDay(processed(lake)))[arrival]).toBe(rowsBefore[arrival] + 2);
  });

  it('prints the plan on a dry run and changes nothing', async () => {
    const arrival = sample.lastDay;
    const at = Date.parse(`${arrival}T08:00:00Z`);
    await writeRawFile(lake, rawFileKey('raw/access_records/', at, 'dry-run'), [record('dry-1', at)], { gzip: false });
    const before = snapshotFiles(join(lake, 'processed'));

    const dry = await run(lake, { dryRun: true });
    const again = await run(lake, { dryRun: true });

    expect(dry.outcome.status).toBe('SUCCEEDED');
    expect(daysOf(dry).map((d) => d.day)).toEqual([addDays(arrival, -1), arrival, addDays(arrival, 1)]);
    expect(again.plan?.days).toEqual(dry.plan?.days);
    expect(snapshotFiles(join(lake, 'processed'))).toEqual(before);
    await run(lake); // take the file in, for the tests below
  });

  it('fails the days of a step over the reject threshold, alerts, and leaves data and ledger as they were', async () => {
    // in the scheduled run's window (the last arrival days): an older day is listed only with --full
    const arrival = sample.lastDay;
    const at = Date.parse(`${arrival}T05:00:00Z`);
    const key = rawFileKey('raw/access_records/', at, 'garbage');
    await writeRawFile(
      lake,
      key,
      Array.from({ length: 400 }, (_, i) => `{"sessionId": "broken-${i}", `),
      { gzip: true },
    );
    const before = { ...snapshotFiles(processed(lake)), ...snapshotFiles(rejected(lake)) };

    const failed = await run(lake);

    expect(failed.outcome.status).toBe('FAILED');
    expect(failed.outcome.error?.Error).toBe('DaysFailedError');
    expect(failed.outcome.error?.Cause).toContain('RejectThresholdError');
    expect({ ...snapshotFiles(processed(lake)), ...snapshotFiles(rejected(lake)) }).toEqual(before);
    // nothing published, nothing lost: the step's quarantine is under the run, where the error points
    const quarantine = `_runs/${failed.outcome.executionId.split(':').pop()}/rejected/access_records`;
    expect(failed.outcome.error?.Cause).toContain(`are in ${quarantine}/`);
    const { rows } = await queryCatalog(
      lake,
      `SELECT count(*) AS n FROM read_parquet('${join(lake, quarantine)}/*/*/*/*.parquet') WHERE source_file LIKE '%garbage%'`,
    );
    expect(Number(rows[0].n)).toBe(400);
    const alert = alerts(lake).find((a) => a.message.executionId === failed.outcome.executionId);
    expect(alert.subject).toContain('DaysFailedError');
    expect(alert.message.failedDays).toEqual(expect.arrayContaining([`access_records ${arrival}`]));

    rmSync(join(lake, key));
    const next = await run(lake);

    expect(next.outcome.status).toBe('SUCCEEDED'); // the lock was released
    expect(next.plan?.days).toEqual([]); // the bad fingerprint was never committed
  });

  it('recomputes a forced range exactly', async () => {
    const from = sample.firstDay;
    const to = addDays(sample.firstDay, 1);

    const forced = await run(lake, { from, to, force: true });

    expect(forced.outcome.status).toBe('SUCCEEDED');
    expect(daysOf(forced).map((d) => d.day)).toEqual([from, to]);
    expect(daysOf(forced).every((d) => d.reasons.some((r) => r.kind === 'forced'))).toBe(true);
  });

  it('fails a wrong input in ValidateInput, naming the field, and alerts', async () => {
    const bad = await run(lake, { dryrun: true });

    expect(bad.outcome.status).toBe('FAILED');
    expect(bad.outcome.error?.Error).toBe('InputError');
    expect(bad.outcome.error?.Cause).toContain('dryrun');
    expect(
      alerts(lake).some(
        (a) => a.message.executionId === bad.outcome.executionId && String(a.message.cause).includes('dryrun'),
      ),
    ).toBe(true);
  });

  it('skips an incremental run while another execution holds the lock (no plan, no alert), and leaves its lock alone', async () => {
    const holder = 'arn:aws:states:us-east-1:000000000000:execution:lakestep-local-pipeline:other';
    await withLocalRuntime({ lakeDir: lake }, (rt) => rt.ports.lock.acquire(holder, Date.now(), 3600));
    const alertsBefore = alerts(lake).length;

    const blocked = await run(lake);
    await withLocalRuntime({ lakeDir: lake }, (rt) => rt.ports.lock.release(holder));
    const after = await run(lake);

    expect(blocked.outcome.status).toBe('SUCCEEDED');
    expect((blocked.outcome.output as { lock: { skipped: string } }).lock.skipped).toContain(holder);
    expect(blocked.plan).toBeUndefined();
    expect(alerts(lake)).toHaveLength(alertsBefore);
    expect(after.outcome.status).toBe('SUCCEEDED');
  });

  it('recomputes stale days, made by an older stage version, with --stale', async () => {
    const day = sample.firstDay;
    await withLocalRuntime({ lakeDir: lake }, async ({ ports }) => {
      const days = await ports.ledger.outputDays('access_records');
      const target = days.find((d) => d.day === day)!;
      await ports.ledger.commit({ raw: [], outputs: [{ ...target, stageVersion: 'older' }], removedRaw: [] });
    });

    const stale = await run(lake, { mode: 'stale' });

    expect(stale.outcome.status).toBe('SUCCEEDED');
    expect(daysOf(stale).map((d) => [d.day, d.reasons[0].kind])).toEqual([[day, 'stale']]);
  });
});
