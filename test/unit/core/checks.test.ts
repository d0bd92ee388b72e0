import { checkQueries, rowCountDriftWarnings } from '../../../src/core/checks';

describe('checkQueries', () => {
  it('turns each declaration into a query for bad rows, blocking unless listed in warnOnly', () => {
    const queries = checkQueries({
      schema: true,
      notNull: ['session_id'],
      unique: [['session_id', 'timestamp']],
      accepted: { client: ['WEB', "O'REILLY"] },
      pattern: { week: '^\\d{4}_\\d{2}$' },
      warnOnly: ['pattern_week'],
    });

    expect(queries).toEqual([
      { name: 'not_null_session_id', severity: 'blocking', sql: 'SELECT * FROM stage_output WHERE session_id IS NULL' },
      {
        name: 'unique_session_id_timestamp',
        severity: 'blocking',
        sql: 'SELECT session_id, timestamp, record_date, count(*) AS copies FROM stage_output GROUP BY session_id, timestamp, record_date HAVING count(*) > 1',
      },
      {
        name: 'accepted_values_client',
        severity: 'blocking',
        sql: "SELECT * FROM stage_output WHERE client IS NOT NULL AND client NOT IN ('WEB', 'O''REILLY')",
      },
      // backslashes doubled: Spark's parser un-doubles them, DuckDB's prelude does the same
      {
        name: 'pattern_week',
        severity: 'warning',
        sql: "SELECT * FROM stage_output WHERE week IS NOT NULL AND NOT regexp_like(week, '^\\\\d{4}_\\\\d{2}$')",
      },
    ]);
  });
});

describe('rowCountDriftWarnings', () => {
  const history = [
    '2024-03-01',
    '2024-03-02',
    '2024-03-03',
    '2024-03-04',
    '2024-03-05',
    '2024-03-06',
    '2024-03-07',
  ].map((day) => ({ day, recordsOut: 100 }));
  const rule = { maxChange: 0.5, trailingDays: 7 };

  it('warns on a day more than maxChange away from its trailing mean, in either direction', () => {
    const down = rowCountDriftWarnings('access_records', [{ day: '2024-03-08', rows: 40 }], history, rule);
    const up = rowCountDriftWarnings('access_records', [{ day: '2024-03-08', rows: 160 }], history, rule);
    const within = rowCountDriftWarnings('access_records', [{ day: '2024-03-08', rows: 149 }], history, rule);

    expect(down).toEqual([
      {
        check: 'row_count_drift',
        dataset: 'access_records',
        day: '2024-03-08',
        rows: 40,
        trailingMean: 100,
        change: -0.6,
      },
    ]);
    expect(up.map((w) => w.change)).toEqual([0.6]);
    expect(within).toEqual([]);
  });

  it('judges a day against this run’s earlier days too, and not a day without history', () => {
    const warnings = rowCountDriftWarnings(
      'access_records',
      [
        { day: '2024-02-20', rows: 5 },
        { day: '2024-03-08', rows: 400 },
      ],
      history,
      rule,
    );

    expect(warnings.map((w) => w.day)).toEqual(['2024-03-08']); // 2024-02-20 has no trailing days
  });
});
