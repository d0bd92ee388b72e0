import { formatReportText } from '../../../src/cli/reportCommand';
import { summarize, type RunSummary } from '../../../src/core/summary';
import type { Plan, StepResult } from '../../../src/core/types';
import { buildRunReport, MAX_SAMPLE_ROWS, type ReportCheck } from '../../../src/report/runReport';
import { renderRunReportHtml } from '../../../src/report/runReportHtml';
import { chartData, chartJsSource, jsonForScript } from '../../../src/report/runReportHtml';

const EVIL = '</script><script>alert("x")</script>';

/** Two tables, three days, one failed; file_downloads carries the `unattributed` metric. */
function summary(): RunSummary {
  return {
    executionId: 'arn:aws:states:us-east-1:123456789012:execution:lakestep-dev:run-7',
    warnings: [],
    days: [
      {
        dataset: 'access_records',
        day: '2024-03-06',
        status: 'failed',
        recordsIn: 0,
        recordsOut: 0,
        duplicatesDropped: 0,
        rejected: 4,
        late: 0,
        reasons: [{ kind: 'forced' }],
        error: { name: 'CheckFailedError', message: "'not_null_session_id' failed: 7 rows (day 2024-03-06)" },
      },
      {
        dataset: 'access_records',
        day: '2024-03-05',
        status: 'succeeded',
        recordsIn: 1200,
        recordsOut: 1180,
        duplicatesDropped: 20,
        rejected: 9,
        late: 2,
        reasons: [{ kind: 'new_raw', rawDay: '2024-03-05' }],
      },
      {
        dataset: 'file_downloads',
        day: '2024-03-05',
        status: 'succeeded',
        recordsIn: 40,
        recordsOut: 38,
        duplicatesDropped: 2,
        rejected: 0,
        late: 0,
        reasons: [{ kind: 'new_raw', rawDay: '2024-03-05' }],
        metrics: { unattributed: 3 },
      } as RunSummary['days'][number],
    ],
    totals: {
      daysTransformed: 2,
      daysFailed: 1,
      recordsIn: 1249,
      recordsOut: 1218,
      duplicatesDropped: 22,
      rejected: 9,
      late: 2,
    },
    failedDays: [
      {
        dataset: 'access_records',
        day: '2024-03-06',
        error: "CheckFailedError: 'not_null_session_id' failed: 7 rows (day 2024-03-06)",
      },
    ],
    rejectedByReason: { late: 2, invalid_json: 11 },
    stepSeconds: 12.5,
  };
}

const checks: ReportCheck[] = [
  { name: 'unique_key', table: 'access_records', day: '2024-03-05', status: 'passed', failingRows: 0, sampleRows: [] },
  {
    name: 'row_count_drift',
    table: 'file_downloads',
    day: '2024-03-05',
    status: 'warning',
    failingRows: 1,
    sampleRows: [{ day: '2024-03-05', rows: 38, trailingMean: 90 }],
  },
  {
    name: 'not_null_session_id',
    table: 'access_records',
    day: '2024-03-06',
    status: 'failed',
    failingRows: 7,
    sampleRows: Array.from({ length: 7 }, (_, i) => ({
      record_index: BigInt(i),
      raw_text: i === 0 ? EVIL : `{"i":${i}}`,
    })),
  },
];

describe('buildRunReport', () => {
  it('reports per table and day, with totals over the days that succeeded', () => {
    const report = buildRunReport(summary(), {
      checks,
      warnings: ['row count of file_downloads 2024-03-05 is 58 % below the trailing mean'],
      startedAtMs: Date.UTC(2024, 2, 7, 10),
      endedAtMs: Date.UTC(2024, 2, 7, 10, 2, 13, 400),
    });

    expect(report).toMatchObject({
      version: 1,
      execution: 'run-7',
      status: 'FAILED',
      startedAt: '2024-03-07T10:00:00.000Z',
      endedAt: '2024-03-07T10:02:13.400Z',
      durationSeconds: 133.4,
      stepSeconds: 12.5,
    });
    expect(buildRunReport({ ...summary(), stepSeconds: 0.7869999999999999 }, {}).stepSeconds).toBe(0.8); // a float sum, in tenths
    expect(report.tables.map((t) => [t.table, t.days.map((d) => d.day)])).toEqual([
      ['access_records', ['2024-03-05', '2024-03-06']],
      ['file_downloads', ['2024-03-05']],
    ]);
    expect(report.tables[0].days[0]).toEqual({
      day: '2024-03-05',
      status: 'succeeded',
      recordsIn: 1200,
      recordsOut: 1180,
      duplicates: 20,
      rejected: 9,
      late: 2,
      rejectedByReason: {},
      metrics: {},
      reasons: ['new raw data in arrival day 2024-03-05'],
    });
    expect(report.tables[0].days[1].error).toEqual({
      name: 'CheckFailedError',
      message: "'not_null_session_id' failed: 7 rows (day 2024-03-06)",
    });
    expect(report.tables[1].days[0].unattributed).toBe(3);
    expect(report.tables[0].days[0].unattributed).toBeUndefined();
    expect(report.tables[0].totals).toEqual({
      days: 2,
      daysFailed: 1,
      recordsIn: 1200,
      recordsOut: 1180,
      duplicates: 20,
      rejected: 9,
      rejectedOnFailedDays: 4,
      late: 2,
      unattributed: 0,
    });
    expect(report.totals).toEqual({
      days: 3,
      daysFailed: 1,
      recordsIn: 1240,
      recordsOut: 1218,
      duplicates: 22,
      rejected: 9,
      rejectedOnFailedDays: 4,
      late: 2,
      unattributed: 3,
      checksFailed: 1,
      checkWarnings: 1,
      warnings: 1,
    });
    expect(report.rejectedByReason).toEqual({ invalid_json: 11, late: 2 }); // failed days' included
    expect(report.failedDays).toEqual([
      {
        table: 'access_records',
        day: '2024-03-06',
        error: { name: 'CheckFailedError', message: "'not_null_session_id' failed: 7 rows (day 2024-03-06)" },
      },
    ]);
    expect(report.warnings).toEqual([
      { message: 'row count of file_downloads 2024-03-05 is 58 % below the trailing mean' },
    ]);
  });

  it('says in its text which rejects were on failed days, so the totals and the reasons add up', () => {
    const [, totals] = formatReportText(buildRunReport(summary()));

    expect(totals).toBe(
      'totals: 2 days ok, 1 failed; 1,240 in, 1,218 out, 22 duplicates, 9 rejected (+4 on failed days, not published), 3 unattributed; rejected by reason, all days: invalid_json 11, late 2',
    );
  });

  it('orders checks failed first and keeps at most 5 plain-JSON sample rows', () => {
    const report = buildRunReport(summary(), { checks });

    expect(report.checks.map((c) => c.status)).toEqual(['failed', 'warning', 'passed']);
    expect(report.checks[0].sampleRows).toHaveLength(MAX_SAMPLE_ROWS);
    expect(report.checks[0].sampleRows[1]).toEqual({ record_index: 1, raw_text: '{"i":1}' }); // BigInt → number
    expect(report.checks[2].sampleRows).toEqual([]);
    expect(() => JSON.stringify(report)).not.toThrow();
  });

  it('merges extra metrics over the day results, and succeeds without failures', () => {
    const s = summary();
    s.days = s.days.filter((d) => d.status === 'succeeded');
    s.failedDays = [];

    const report = buildRunReport(s, {
      metrics: { file_downloads: { '2024-03-05': { unattributed: 4, projects: 2 } } },
    });

    expect(report.status).toBe('SUCCEEDED');
    expect(report.tables[1].days[0].metrics).toEqual({ unattributed: 4, projects: 2 });
    expect(report.totals.unattributed).toBe(4);
    expect(report.startedAt).toBeUndefined();
    expect(report.durationSeconds).toBeUndefined();
  });
});

describe('renderRunReportHtml', () => {
  const report = buildRunReport(summary(), {
    checks,
    warnings: [
      { name: 'row_count_drift', table: 'file_downloads', day: '2024-03-05', message: 'rows 38 vs mean 90 <b>' },
    ],
  });
  const html = renderRunReportHtml(report);

  it('is one page with the figures as tables', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('<title>lakestep run run-7</title>');
    // named by the execution's name; a local run's ARN is made up
    expect(html).toContain('<h1>lakestep run run-7 ');
    expect(html).not.toContain('arn:aws:states');
    for (const figure of ['1,200', '1,180', '1,218', '1,240']) expect(html).toContain(`<td class="num">${figure}</td>`);
    expect(html).toContain('data-table="file_downloads"');
    expect(html).toContain('new raw data in arrival day 2024-03-05');
    expect(html).toContain('not_null_session_id');
    expect(html).toContain(
      'Rejected by reason, all days: invalid_json 11, late 2; 4 of them on failed days, not published',
    );
  });

  it('inlines Chart.js and the chart data, so it works offline', () => {
    const lib = chartJsSource();

    expect(lib).toMatch(/Chart\.js v4/);
    expect(html).toContain(lib!.slice(0, 2000));
    expect(html).not.toMatch(/<script[^>]+src=/);
    expect(html).not.toMatch(/(src|href)\s*=\s*["']?(https?:)?\/\//); // nothing fetched from the network
    expect(html).not.toContain('<link');
    expect(html).toContain(jsonForScript(chartData(report)));
    expect(chartData(report)).toEqual({
      labels: ['2024-03-05', '2024-03-06'],
      datasets: [
        { label: 'access_records', data: [1180, 0], backgroundColor: expect.any(String) },
        { label: 'file_downloads', data: [38, 0], backgroundColor: expect.any(String) },
      ],
    });
  });

  it('escapes raw text from sample rows and warnings (no HTML injection)', () => {
    expect(html).not.toContain('<script>alert');
    expect(html).toContain('&lt;/script&gt;&lt;script&gt;alert(\\&quot;x\\&quot;)&lt;/script&gt;'); // JSON-quoted, then HTML-escaped
    expect(html).toContain('rows 38 vs mean 90 &lt;b&gt;');
    // every <script> in the page is ours: the data block, the library, the chart set-up
    expect(html.match(/<script\b/g)).toHaveLength(3);
  });

  it('escapes data inside the JSON script block too', () => {
    const r = buildRunReport({
      ...summary(),
      days: summary().days.map((d) => ({ ...d, dataset: '</script><img src=x onerror=alert(1)>' })),
    });

    const page = renderRunReportHtml(r);

    expect(page).not.toContain('<img src=x');
    expect(page.match(/<script\b/g)).toHaveLength(3);
  });

  it('renders the tables with a note when the chart library is missing', () => {
    const page = renderRunReportHtml(report, { chartJs: null });

    expect(page).toContain('Chart unavailable');
    expect(page).not.toContain('<script');
    expect(page).toContain('<td class="num">1,180</td>');
  });
});

describe('the run page of a step that failed', () => {
  /** One step of three days over the reject threshold (one error for all), and a step that succeeded. */
  function failedStepReport() {
    const group = (groupId: string, dataset: string, days: string[]) => ({
      groupId,
      dataset,
      phase: 0,
      period: 'day' as const,
      days,
      rawDays: days,
    });
    const plan = {
      executionId: 'run-9',
      createdAtMs: 0,
      days: [],
      groups: [
        group('g1', 'access_records', ['2024-03-01', '2024-03-02', '2024-03-03']),
        group('g2', 'node_snapshots', ['2024-03-01']),
      ],
      rawPartitions: [],
      removedRawDays: [],
      stageVersions: {},
    } as unknown as Plan;
    const error = { name: 'RejectThresholdError', message: '12 of 100 records rejected' };
    const day = (d: string, rejected: number) => ({
      day: d,
      status: 'failed' as const,
      recordsIn: 30,
      recordsOut: 29,
      duplicatesDropped: 1,
      rejected,
      late: 0,
      rejectedByReason: { invalid_json: rejected },
      error,
    });
    const results: StepResult[] = [
      {
        groupId: 'g1',
        dataset: 'access_records',
        stageVersion: 'v',
        days: [day('2024-03-01', 4), day('2024-03-02', 5), day('2024-03-03', 3)],
        rejectedByReason: { invalid_json: 12 },
        seconds: 1.2345,
      },
      {
        groupId: 'g2',
        dataset: 'node_snapshots',
        stageVersion: 'v',
        days: [
          {
            day: '2024-03-01',
            status: 'succeeded' as const,
            recordsIn: 1234567,
            recordsOut: 1234567,
            duplicatesDropped: 0,
            rejected: 0,
            late: 0,
          },
        ],
        rejectedByReason: {},
        seconds: 0.5,
      },
    ];
    return buildRunReport(summarize(plan, results, 'no result'));
  }

  it('lists each step with its days, time and the error once; each day its rejects by reason', () => {
    const report = failedStepReport();

    expect(report.steps).toEqual([
      {
        table: 'access_records',
        from: '2024-03-01',
        to: '2024-03-03',
        days: 3,
        daysFailed: 3,
        seconds: 1.2,
        error: { name: 'RejectThresholdError', message: '12 of 100 records rejected' },
      },
      { table: 'node_snapshots', from: '2024-03-01', to: '2024-03-01', days: 1, daysFailed: 0, seconds: 0.5 },
    ]);
    expect(report.tables[0].days[1].rejectedByReason).toEqual({ invalid_json: 5 });
  });

  it('shows the error once per step, failed days apart from the published total, numbers formatted', () => {
    const html = renderRunReportHtml(failedStepReport(), { chartJs: null });

    expect(html.split('12 of 100 records rejected').length - 1).toBe(2); // the Steps table and the Failed days table, not once per day
    expect(html).toContain("(the step's error, under Steps)");
    expect(html).toContain('<td>access_records</td><td>2024-03-01…2024-03-03</td><td class="num">3</td>');
    expect(html).toContain('<td>invalid_json 5</td>');
    // published: nothing of access_records; failed, not published: the three days' sums (90 in, 87 out, 3 dup, 12 rejected)
    expect(html).toMatch(/<th>published<\/th><th>0 ok<\/th>(<th class="num">0<\/th>){5}/);
    expect(html).toContain(
      '<th>failed, not published</th><th>3 failed</th><th class="num">90</th><th class="num">87</th><th class="num">3</th><th class="num">12</th>',
    );
    expect(html).toContain('<td class="num">1,234,567</td>');
    expect(html).toContain('steps 1.7 s');
    expect(html).toContain('<a href="index.html" id="lake-link">');
  });
});
