/**
 * The run report as one self-contained HTML page a browser opens offline: the figures as tables
 * and a chart of daily output rows per table, drawn by Chart.js inlined into the page (no network).
 *
 * Every piece of data is escaped: text through escapeHtml, the chart's data as JSON whose `<`, `>`,
 * `&` and line separators are \u-escaped, so a raw record holding `</script>` cannot end a tag.
 */
import { estimateRows, formatUsd, type CostEstimate } from '../core/costEstimate';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { formatDayRanges } from '../core/days';
import { errorText, type ReportDay, type ReportStep, type ReportTable, type RunReport } from './runReport';

export interface RenderOptions {
  /**
   * Chart.js's UMD build as text; default: read from the installed `chart.js` package. When it is
   * not installed (a bundle that left it out) the page is rendered without the chart, with a note.
   */
  chartJs?: string | null;
}

let cachedChartJs: string | null | undefined;

/**
 * The installed Chart.js UMD build (`chart.js/dist/chart.umd.min.js`, v4), read once; null when
 * not installed. The package's `exports` map hides `dist/…`, so the path is found from its main file.
 */
export function chartJsSource(): string | null {
  if (cachedChartJs !== undefined) return cachedChartJs;
  try {
    const dist = dirname(require.resolve('chart.js')); // …/chart.js/dist/chart.cjs
    cachedChartJs = readFileSync(join(dist, 'chart.umd.min.js'), 'utf8');
  } catch {
    cachedChartJs = null;
  }
  return cachedChartJs;
}

/** Escapes text for HTML element content and double- or single-quoted attribute values. */
export function escapeHtml(text: unknown): string {
  return String(text).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

/** JSON safe inside a `<script>` element: no `</script>`, `<!--`, or JS line terminators. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

const n = (v: number | undefined) => (v === undefined ? '' : v.toLocaleString('en-US'));
/** seconds, one decimal, thousands separated: `1,234.5 s` */
const secs = (v: number) => `${v.toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 })} s`;
const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];

/** Chart data: x = every day of the run, one bar series of output rows per table (0 where a table has no such day). */
export function chartData(report: RunReport): {
  labels: string[];
  datasets: { label: string; data: number[]; backgroundColor: string }[];
} {
  const labels = [...new Set(report.tables.flatMap((t) => t.days.map((d) => d.day)))].sort();
  return {
    labels,
    datasets: report.tables.map((t, i) => {
      const out = new Map(t.days.map((d) => [d.day, d.status === 'succeeded' ? d.recordsOut : 0]));
      return { label: t.table, data: labels.map((l) => out.get(l) ?? 0), backgroundColor: PALETTE[i % PALETTE.length] };
    }),
  };
}

/**
 * The page. Same report, same bytes.
 * @example writeFileSync('report.html', renderRunReportHtml(report))
 */
export function renderRunReportHtml(report: RunReport, opts: RenderOptions = {}): string {
  const lib = opts.chartJs === undefined ? chartJsSource() : opts.chartJs;
  const t = report.totals;
  const title = `lakestep run ${report.execution}`;
  const when = [report.startedAt, report.endedAt].filter(Boolean).join(' → ');
  const parts: string[] = [];
  parts.push(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
body{font:14px/1.4 system-ui,-apple-system,Segoe UI,sans-serif;margin:2em;color:#222}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:2em}
table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #ccc;padding:3px 8px;vertical-align:top}
td.num{text-align:right;font-variant-numeric:tabular-nums}th{background:#f4f4f4;text-align:left}
.FAILED,.failed{color:#b00020;font-weight:600}.SUCCEEDED,.succeeded,.passed{color:#1b7e2c}.warning{color:#a15c00;font-weight:600}
.err{white-space:pre-wrap;font-family:ui-monospace,monospace;font-size:12px}
pre{margin:0;white-space:pre-wrap;word-break:break-all;max-width:60em;font-size:12px}
#chart-box{max-width:1000px;height:360px}
</style></head><body>
<nav><a href="index.html" id="lake-link">← lake overview</a></nav>
<h1>${escapeHtml(title)} <span class="${escapeHtml(report.status)}">${escapeHtml(report.status)}</span></h1>
<p>${[
    // the title names the execution; its id adds nothing locally but a made-up ARN
    ...(when ? [escapeHtml(when)] : []),
    ...(report.durationSeconds !== undefined ? [secs(report.durationSeconds)] : []),
    `steps ${secs(report.stepSeconds)}`,
  ].join(' · ')}</p>`);
  if (report.continuedBy) {
    const next = report.continuedBy.execution;
    parts.push(
      `<p>The run was cut here (maxStepsPerExecution); it goes on in execution <a href="${escapeHtml(next)}.html">${escapeHtml(next)}</a> with ${escapeHtml(report.continuedBy.deferredDays)} day partitions left.</p>`,
    );
  }

  parts.push(`<h2>Totals</h2>
<table id="totals"><tr><th>days</th><th>failed days</th><th>records in</th><th>records out</th><th>duplicates</th><th>rejected</th><th>late</th><th>unattributed</th><th>checks failed</th><th>warnings</th></tr>
<tr>${[t.days, t.daysFailed, t.recordsIn, t.recordsOut, t.duplicates, t.rejected, t.late, t.unattributed, t.checksFailed, t.warnings + t.checkWarnings].map((v) => `<td class="num">${n(v)}</td>`).join('')}</tr></table>`);
  const reasons = Object.entries(report.rejectedByReason);
  const onFailedDays = t.rejectedOnFailedDays
    ? `; ${n(t.rejectedOnFailedDays)} of them on failed days, not published`
    : '';
  if (reasons.length)
    parts.push(
      `<p>Rejected by reason, all days: ${reasons.map(([r, c]) => `${escapeHtml(r)} ${n(c)}`).join(', ')}${onFailedDays}</p>`,
    );

  parts.push(`<h2>Daily output rows</h2>`);
  if (lib) {
    parts.push(`<div id="chart-box"><canvas id="daily-chart" role="img" aria-label="output rows per day and table"></canvas></div>
<script type="application/json" id="chart-data">${jsonForScript(chartData(report))}</script>
<script>${lib.replace(/<\/script/gi, '<\\/script')}</script>
<script>
(function () {
  var data = JSON.parse(document.getElementById('chart-data').textContent);
  new Chart(document.getElementById('daily-chart'), { type: 'bar', data: data,
    options: { responsive: true, maintainAspectRatio: false, animation: false,
      scales: { y: { beginAtZero: true, title: { display: true, text: 'rows' } } } } });
})();
</script>`);
  } else {
    parts.push(
      `<p class="warning">Chart unavailable: the chart.js package was not installed where this page was made. The figures are in the tables below.</p>`,
    );
  }

  parts.push(stepsSection(report.steps));
  for (const table of report.tables) parts.push(tableSection(table, report.steps ?? []));
  parts.push(checksSection(report));
  parts.push(warningsSection(report));
  if (report.cost) parts.push(costSection(report.cost));
  if (report.failedDays.length) parts.push(failedDaysSection(report.failedDays));
  parts.push(`</body></html>\n`);
  return parts.join('\n');
}

/** Failed days grouped by table and error: each error once, with its days as ranges. */
function failedDaysSection(failedDays: RunReport['failedDays']): string {
  const groups = new Map<string, { table: string; error: string; days: string[] }>();
  for (const f of failedDays) {
    const key = `${f.table}\u0000${errorText(f.error)}`;
    if (!groups.has(key)) groups.set(key, { table: f.table, error: errorText(f.error), days: [] });
    groups.get(key)!.days.push(f.day);
  }
  const rows = [...groups.values()].map(
    (g) =>
      `<tr><td>${escapeHtml(g.table)}</td><td>${escapeHtml(formatDayRanges(g.days))}</td><td class="num">${n(g.days.length)}</td><td><div class="err">${escapeHtml(g.error)}</div></td></tr>`,
  );
  return `<h2>Failed days</h2><table id="failed-days"><tr><th>table</th><th>days</th><th>count</th><th>error</th></tr>${rows.join('')}</table>`;
}

/** One row per step: its table and days, how long it took, and the error its failed days share. */
function stepsSection(steps: ReportStep[] | undefined): string {
  if (!steps?.length) return '';
  const rows = steps.map((st) => {
    const range = st.from === st.to ? st.from : `${st.from} … ${st.to}`;
    const status = st.daysFailed
      ? `<span class="failed">${n(st.daysFailed)} of ${n(st.days)} failed</span>`
      : `<span class="succeeded">ok</span>`;
    return `<tr><td>${escapeHtml(st.table)}</td><td>${escapeHtml(range)}</td><td class="num">${n(st.days)}</td><td class="num">${st.seconds || !st.daysFailed ? secs(st.seconds) : '—'}</td><td>${status}</td><td>${st.error ? `<div class="err">${escapeHtml(errorText(st.error))}</div>` : ''}</td></tr>`;
  });
  return `<h2>Steps</h2><table id="steps"><tr><th>table</th><th>days</th><th>partitions</th><th>took</th><th>status</th><th>error</th></tr>\n${rows.join('\n')}</table>`;
}

/** The error of the step that computed `day` of `table`, when its failed days share one. */
const stepErrorOf = (steps: ReportStep[], table: string, day: string) => {
  const error = steps.find((st) => st.table === table && st.from <= day && day <= st.to)?.error;
  return error && errorText(error);
};

function tableSection(table: ReportTable, steps: ReportStep[]): string {
  const hasUnattributed = table.days.some((d) => d.unattributed !== undefined);
  const metricNames = [...new Set(table.days.flatMap((d) => Object.keys(d.metrics)))]
    .filter((m) => m !== 'unattributed')
    .sort();
  const head = [
    'day',
    'status',
    'records in',
    'records out',
    'duplicates',
    'rejected',
    'late',
    'rejects by reason',
    ...(hasUnattributed ? ['unattributed'] : []),
    ...metricNames,
    'why',
  ];
  // a step's error shows once, in Steps; a day shows only an error of its own
  const dayError = (d: ReportDay) => {
    if (!d.error) return '';
    return errorText(d.error) === stepErrorOf(steps, table.table, d.day)
      ? "<br><small>(the step's error, under Steps)</small>"
      : `<br><small>${escapeHtml(errorText(d.error))}</small>`;
  };
  const row = (d: ReportDay) =>
    [
      `<td>${escapeHtml(d.day)}</td>`,
      `<td class="${escapeHtml(d.status)}">${escapeHtml(d.status)}${dayError(d)}</td>`,
      ...[d.recordsIn, d.recordsOut, d.duplicates, d.rejected, d.late].map((v) => `<td class="num">${n(v)}</td>`),
      `<td>${Object.entries(d.rejectedByReason)
        .map(([r, c]) => `${escapeHtml(r)} ${n(c)}`)
        .join('<br>')}</td>`,
      ...(hasUnattributed ? [`<td class="num">${n(d.unattributed)}</td>`] : []),
      ...metricNames.map((m) => `<td class="num">${n(d.metrics[m])}</td>`),
      `<td><small>${d.reasons.map(escapeHtml).join('<br>')}</small></td>`,
    ].join('');
  const t = table.totals;
  const totalCells = [t.recordsIn, t.recordsOut, t.duplicates, t.rejected, t.late]
    .map((v) => `<th class="num">${n(v)}</th>`)
    .join('');
  return `<h2>${escapeHtml(table.table)}</h2>
<table class="days" data-table="${escapeHtml(table.table)}"><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>
${table.days.map((d) => `<tr>${row(d)}</tr>`).join('\n')}
<tr><th>published</th><th>${n(t.days - t.daysFailed)} ok</th>${totalCells}<th></th>${hasUnattributed ? `<th class="num">${n(t.unattributed)}</th>` : ''}${metricNames.map(() => '<th></th>').join('')}<th></th></tr>${failedTotalsRow(table, hasUnattributed, metricNames.length)}</table>`;
}

function checksSection(report: RunReport): string {
  if (!report.checks.length) return `<h2>Checks</h2><p>No checks were reported.</p>`;
  const rows = report.checks.map(
    (c) =>
      `<tr><td>${escapeHtml(c.name)}</td><td>${escapeHtml(c.table)}</td><td>${escapeHtml(c.day)}</td><td class="${escapeHtml(c.status)}">${escapeHtml(c.status)}</td><td class="num">${n(c.failingRows)}</td><td>${c.sampleRows
        .map((r) => `<pre>${escapeHtml(JSON.stringify(r))}</pre>`)
        .join('')}</td></tr>`,
  );
  return `<h2>Checks</h2><table id="checks"><tr><th>check</th><th>table</th><th>day</th><th>status</th><th>failing rows</th><th>sample rows</th></tr>\n${rows.join('\n')}</table>`;
}

function costSection(cost: CostEstimate): string {
  const rows = estimateRows(cost).map(
    (cells) => `<tr>${cells.map((c, i) => `<td${i === 2 ? ' class="num"' : ''}>${escapeHtml(c)}</td>`).join('')}</tr>`,
  );
  return `<h2>Cost on AWS</h2><p>What this work costs on AWS at the stage's settings: about ${escapeHtml(formatUsd(cost.totalUsd))} (list prices, ${escapeHtml(cost.prices.region)}, ${escapeHtml(cost.prices.asOf)}).</p>
<table id="cost"><tr><th>what</th><th>how much</th><th>price</th></tr>${rows.join('')}</table>
<ul>${cost.notes.map((note) => `<li><small>${escapeHtml(note)}</small></li>`).join('')}</ul>`;
}

function warningsSection(report: RunReport): string {
  if (!report.warnings.length) return '';
  return `<h2>Warnings</h2><ul id="warnings">${report.warnings
    .map(
      (w) =>
        `<li>${[w.name, w.table, w.day]
          .filter(Boolean)
          .map((p) => `<b>${escapeHtml(p)}</b> `)
          .join('')}${escapeHtml(w.message)}</li>`,
    )
    .join('')}</ul>`;
}

/**
 * The sums of a table's failed days, under its published total: failed days wrote nothing, so the
 * published total leaves them out, and the two rows together add up to the columns above.
 */
function failedTotalsRow(table: ReportTable, hasUnattributed: boolean, metricCount: number): string {
  const failed = table.days.filter((d) => d.status !== 'succeeded');
  if (!failed.length) return '';
  const sum = (pick: (d: ReportDay) => number) => failed.reduce((total, d) => total + pick(d), 0);
  const cells = [
    sum((d) => d.recordsIn),
    sum((d) => d.recordsOut),
    sum((d) => d.duplicates),
    sum((d) => d.rejected),
    sum((d) => d.late),
  ]
    .map((v) => `<th class="num">${n(v)}</th>`)
    .join('');
  return `<tr class="failed-total"><th>failed, not published</th><th>${n(failed.length)} failed</th>${cells}<th></th>${hasUnattributed ? `<th class="num">${n(sum((d) => d.unattributed ?? 0))}</th>` : ''}${'<th></th>'.repeat(metricCount)}<th></th></tr>`;
}
