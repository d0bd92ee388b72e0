/**
 * The check queries of core/checks.ts and the metrics, run by the DuckDB engine's gates on a real
 * `stage_output` — the same SQL texts the Spark driver runs.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { checkQueries } from '../../../src/core/checks';
import { computeMetrics, evaluateChecks } from '../../../src/local/duckdb/qualityGates';
import { installSparkPrelude } from '../../../src/local/duckdb/prelude';

let instance: DuckDBInstance;
let connection: DuckDBConnection;

beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  connection = await instance.connect();
  await installSparkPrelude(connection);
  await connection.run(`CREATE TABLE stage_output AS SELECT * FROM (VALUES
    ('s1', 'WEB', '2024_09', 10, DATE '2024-03-01'),
    ('s1', 'WEB', '2024_09', 10, DATE '2024-03-01'),
    (NULL, 'WEB', '2024_09', NULL, DATE '2024-03-01'),
    ('s3', 'CURL', '2024-9', 5, DATE '2024-03-02'),
    ('s4', 'PYTHON', '2024_10', 7, DATE '2024-03-03')
  ) AS t(session_id, client, week, user_id, record_date)`);
});
afterAll(() => {
  connection.closeSync();
  instance.closeSync();
});

const checks = {
  schema: true,
  notNull: ['session_id'],
  unique: [['session_id', 'client']],
  accepted: { client: ['WEB', 'PYTHON'] },
  pattern: { week: '^[0-9]{4}_[0-9]{2}$' },
  warnOnly: ['accepted_values_client'],
};

describe('evaluateChecks', () => {
  it('returns, per day, each check that found rows, with counts and sample rows', async () => {
    const outcomes = await evaluateChecks(connection, { checks: checkQueries(checks) }, [
      '2024-03-01',
      '2024-03-02',
      '2024-03-03',
    ]);

    expect(outcomes.get('2024-03-01')?.map((o) => [o.name, o.severity, o.failingRows])).toEqual([
      ['not_null_session_id', 'blocking', 1],
      ['unique_session_id_client', 'blocking', 1],
    ]);
    expect(outcomes.get('2024-03-02')?.map((o) => [o.name, o.severity, o.failingRows])).toEqual([
      ['accepted_values_client', 'warning', 1],
      ['pattern_week', 'blocking', 1],
    ]);
    expect(outcomes.get('2024-03-02')?.[0].sample).toEqual([
      { session_id: 's3', client: 'CURL', week: '2024-9', user_id: 5, record_date: '2024-03-02' },
    ]);
    expect(outcomes.has('2024-03-03')).toBe(false);
  });

  it('fails every day on a column whose type differs from the declared output', async () => {
    const outputSchema = {
      session_id: 'string',
      client: 'string',
      week: 'string',
      user_id: 'bigint',
      record_date: 'date',
    } as const;

    const outcomes = await evaluateChecks(connection, { checks: [], outputSchema }, ['2024-03-01', '2024-03-03']);

    // the VALUES literal made user_id an INTEGER, not a BIGINT
    expect(outcomes.get('2024-03-03')).toEqual([
      {
        name: 'schema',
        severity: 'blocking',
        failingRows: 1,
        sample: [{ column: 'user_id', expected: 'bigint', actual: 'integer' }],
      },
    ]);
    expect(outcomes.get('2024-03-01')?.[0].name).toBe('schema');
  });
});

describe('computeMetrics', () => {
  it('computes each declared aggregate per day, 0 for a day without rows', async () => {
    const metrics = await computeMetrics(
      connection,
      { without_user: 'sum(CASE WHEN user_id IS NULL THEN 1 ELSE 0 END)' },
      ['2024-03-01', '2024-03-04'],
    );

    expect(metrics.get('2024-03-01')).toEqual({ without_user: 1 });
    expect(metrics.get('2024-03-04')).toEqual({ without_user: 0 });
  });
});
