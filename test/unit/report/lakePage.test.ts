import type { ExecutionRecord } from '../../../src/core/ports';
import type { OutputDayState, RawPartitionState } from '../../../src/core/types';
import { buildLakePage, MAX_RUNS } from '../../../src/report/lakePage';
import { barChart, renderLakePageHtml } from '../../../src/report/lakePageHtml';

const out = (
  dataset: string,
  day: string,
  recordsOut: number,
  extra: Partial<OutputDayState> = {},
): OutputDayState => ({
  dataset,
  day,
  stageVersion: 'v2',
  executionId: 'arn:aws:states:us-east-1:1:execution:lakestep-dev:run-1',
  committedAtMs: Date.UTC(2024, 2, 10),
  recordsIn: recordsOut,
  recordsOut,
  duplicatesDropped: 0,
  rejected: 0,
  ...extra,
});
const raw = (dataset: string, day: string): RawPartitionState => ({
  dataset,
  day,
  fingerprint: 'f',
  objectCount: 1,
  bytes: 10,
});
const exec = (executionId: string, startedAtMs: number, extra: Partial<ExecutionRecord> = {}): ExecutionRecord => ({
  executionId,
  status: 'SUCCEEDED',
  startedAtMs,
  endedAtMs: startedAtMs + 12_340,
  failedDays: [],
  ...extra,
});

describe('buildLakePage', () => {
  it('puts every table on one calendar, each day in its state: failed, missing raw, stale, ok, none', () => {
    const tables = [
      {
        table: 'access_records',
        stageVersion: 'v2',
        outputs: [
          out('access_records', '2024-03-01', 10, { rejected: 2 }),
          out('access_records', '2024-03-02', 20, { stageVersion: 'v1' }),
          out('access_records', '2024-03-04', 40),
        ],
        // no raw on 03-03 // a gap between the first and the last raw day
        raw: [
          raw('access_records', '2024-03-01'),
          raw('access_records', '2024-03-02'),
          raw('access_records', '2024-03-04'),
          raw('access_records', '2024-03-05'),
        ],
      },
      { table: 'weekly', stageVersion: 'w', outputs: [out('weekly', '2024-03-04', 7, { stageVersion: 'w' })], raw: [] },
    ];
    // 03-05 failed and was never committed; 03-04 failed before its last commit (a later run fixed it)
    const executions = [
      exec('run-1', Date.UTC(2024, 2, 9), {
        status: 'FAILED',
        failedDays: [
          { dataset: 'access_records', day: '2024-03-05' },
          { dataset: 'access_records', day: '2024-03-04' },
        ],
        cause: 'boom',
      }),
    ];

    const page = buildLakePage(tables, executions, new Set(['run-1']), Date.UTC(2024, 2, 11));

    expect(page.days).toEqual(['2024-03-01', '2024-03-02', '2024-03-03', '2024-03-04', '2024-03-05']);
    expect(page.tables[0].cells.map((c) => c.state)).toEqual(['ok', 'stale', 'missing raw', 'ok', 'failed']);
    expect(page.tables[0].cells[0]).toEqual({ day: '2024-03-01', state: 'ok', rows: 10, rejected: 2 });
    expect(page.tables[0].counts).toEqual({ ok: 2, stale: 1, 'missing raw': 1, failed: 1 });
    expect(page.tables[0]).toMatchObject({ totalRows: 70, totalRejected: 2 });
    expect(page.tables[1].cells.map((c) => c.state)).toEqual(['none', 'none', 'none', 'ok', 'none']); // an aggregate: no raw, no missing raw
    expect(page.runs).toEqual([
      {
        execution: 'run-1',
        status: 'FAILED',
        startedAt: '2024-03-09T00:00:00.000Z',
        endedAt: '2024-03-09T00:00:12.340Z',
        durationSeconds: 12.3,
        failedDays: 2,
        cause: 'boom',
        href: 'run-1.html',
      },
    ]);
  });

  it('lists runs newest first, links only those with a page, and keeps MAX_RUNS', () => {
    const executions = Array.from({ length: MAX_RUNS + 3 }, (_, i) =>
      exec(`arn:aws:states:us-east-1:1:execution:lakestep-dev:run-${i}`, i * 1000),
    );

    const page = buildLakePage([], executions, new Set([`run-${MAX_RUNS + 2}`]), 0);

    expect(page.days).toEqual([]);
    expect(page.runs).toHaveLength(MAX_RUNS);
    expect(page.runs[0]).toMatchObject({ execution: `run-${MAX_RUNS + 2}`, href: `run-${MAX_RUNS + 2}.html` });
    expect(page.runs[1].href).toBeUndefined();
    expect(page.olderRuns).toBe(3);
  });
});

describe('renderLakePageHtml', () => {
  it('renders a grid cell per day, a chart per series on its own scale, the runs linked, and escapes text', () => {
    const evil = '</td><script>alert(1)</script>';
    const page = buildLakePage(
      [
        {
          table: 'big',
          stageVersion: 'v2',
          outputs: [out('big', '2024-02-28', 1_000_000), out('big', '2024-03-01', 2_000_000, { rejected: 5 })],
          raw: [],
        },
        { table: 'small', stageVersion: 'v2', outputs: [out('small', '2024-03-01', 3)], raw: [] },
      ],
      [exec('run-1', 0, { status: 'FAILED', cause: evil, failedDays: [{ dataset: 'big', day: '2024-02-29' }] })],
      new Set(['run-1']),
      0,
    );

    const html = renderLakePageHtml(page);

    expect(html.match(/<td class="c /g)).toHaveLength(2 * 3); // 02-28, 02-29, 03-01 for both tables
    expect(html).toContain('data-day="2024-02-29" data-state="failed"');
    expect(html).toContain('<tr><th>2024-02</th>');
    expect(html).toContain('>2,000,000</text>'); // big's scale
    expect(html).toContain('>3</text>'); // small's own scale, not big's
    expect(html).toContain('<a href="run-1.html">run-1</a>');
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;/td&gt;&lt;script&gt;');
  });
});

describe('barChart', () => {
  it('draws a bar per non-zero day scaled to the max, and no path when every day is 0', () => {
    const cells = [
      { day: '2024-03-01', state: 'ok' as const, rows: 5, rejected: 0 },
      { day: '2024-03-02', state: 'ok' as const, rows: 10, rejected: 0 },
    ];

    const drawn = barChart(cells, (c) => c.rows, '#000', 'rows');
    const empty = barChart(cells, (c) => c.rejected, '#000', 'rejected');

    expect(drawn.match(/M[\d.]+ \d+v/g)).toHaveLength(2);
    expect(drawn).toContain('v-25.00'); // half of the 50-unit plot height
    expect(drawn).toContain('v-50.00');
    expect(empty).not.toContain('<path');
  });
});
