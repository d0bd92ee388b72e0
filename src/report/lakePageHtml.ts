/**
 * The lake page as one self-contained HTML document (no script, no network: it opens offline and
 * from S3 alike): per table a calendar grid of day states (a row per month, a cell per day), its
 * rows and rejects per day as two small SVG charts each on its own scale, and the run history
 * linking to each run's page. Every piece of text goes through escapeHtml.
 */
import { CELL_STATES, type CellState, type LakeCell, type LakePage, type LakeTable } from './lakePage';
import { escapeHtml } from './runReportHtml';

const n = (v: number) => v.toLocaleString('en-US');

/** Fill colour per state (the legend and the cells share it). */
const STATE_COLOUR: Record<CellState, string> = {
  ok: '#2ca02c',
  stale: '#e0b000',
  failed: '#d62728',
  'missing raw': '#7f7f7f',
  none: '#eeeeee',
};
const stateClass = (state: CellState) => `s-${state.replace(' ', '-')}`;

/** Size of one small chart, in SVG user units (it scales to the page's width). */
const CHART = { width: 720, height: 70, left: 56, top: 6, bottom: 14 };

/**
 * The page. Same model, same bytes.
 * @example writeFileSync('index.html', renderLakePageHtml(buildLakePage(rows, executions, names, nowMs)))
 */
export function renderLakePageHtml(page: LakePage): string {
  const range = page.days.length ? `${page.days[0]} … ${page.days[page.days.length - 1]}` : 'no days yet';
  const legend = CELL_STATES.map(
    (s) => `<span class="legend"><i class="${stateClass(s)}"></i>${escapeHtml(s)}</span>`,
  ).join(' ');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>lakestep lake</title>
<style>
body{font:14px/1.4 system-ui,-apple-system,Segoe UI,sans-serif;margin:2em;color:#222}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:2em}h3{font-size:1em;margin:1em 0 .3em}
table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #ccc;padding:3px 8px;vertical-align:top}
th{background:#f4f4f4;text-align:left}td.num{text-align:right;font-variant-numeric:tabular-nums}
table.grid td,table.grid th{border:0;padding:0}table.grid th{background:none;font-weight:normal;font-size:11px;padding-right:6px;white-space:nowrap}
table.grid td.c{width:12px;height:12px;border:1px solid #fff}table.grid td.pad{width:12px;height:12px;border:1px solid #fff}
${CELL_STATES.map((s) => `.${stateClass(s)}{background:${STATE_COLOUR[s]}}`).join('')}
.legend{margin-right:1em;font-size:12px}.legend i{display:inline-block;width:11px;height:11px;margin-right:4px;vertical-align:-1px}
.charts svg{display:block;width:100%;max-width:${CHART.width}px;height:auto}
.FAILED,.ABORTED{color:#b00020;font-weight:600}.SUCCEEDED{color:#1b7e2c}.RUNNING{color:#a15c00}
</style></head><body>
<h1>lakestep lake</h1>
<p>${escapeHtml(range)} · ${n(page.tables.length)} tables · made ${escapeHtml(page.generatedAt)}${page.runs[0]?.href ? ` · <a href="${escapeHtml(page.runs[0].href)}">latest run</a>` : ''}</p>
<p>${legend}</p>
${page.tables.map((t) => tableSection(t)).join('\n')}
${runsSection(page)}
</body></html>
`;
}

function tableSection(t: LakeTable): string {
  const counts = CELL_STATES.filter((s) => t.counts[s])
    .map((s) => `${escapeHtml(s)} ${n(t.counts[s]!)}`)
    .join(', ');
  return `<section class="table" data-table="${escapeHtml(t.table)}">
<h2>${escapeHtml(t.table)}</h2>
<p>${counts || 'no days yet'} · ${n(t.totalRows)} rows, ${n(t.totalRejected)} rejected</p>
${calendarGrid(t.cells)}
<div class="charts">
<h3>rows per day</h3>${barChart(t.cells, (c) => c.rows, '#1f77b4', 'rows')}
<h3>rejected per day</h3>${barChart(t.cells, (c) => c.rejected, '#d62728', 'rejected')}
</div>
</section>`;
}

/** A row per month, a cell per day of it; days outside the calendar are blank. */
function calendarGrid(cells: LakeCell[]): string {
  const byMonth = new Map<string, Map<number, LakeCell>>();
  for (const c of cells) {
    const month = c.day.slice(0, 7);
    if (!byMonth.has(month)) byMonth.set(month, new Map());
    byMonth.get(month)!.set(Number(c.day.slice(8)), c);
  }
  const rows = [...byMonth].map(([month, days]) => {
    const tds = Array.from({ length: 31 }, (_, i) => {
      const c = days.get(i + 1);
      if (!c) return '<td class="pad"></td>';
      const title = `${c.day} ${c.state}${c.rows ? ` · ${n(c.rows)} rows` : ''}${c.rejected ? ` · ${n(c.rejected)} rejected` : ''}`;
      return `<td class="c ${stateClass(c.state)}" data-day="${c.day}" data-state="${escapeHtml(c.state)}" title="${escapeHtml(title)}"></td>`;
    });
    return `<tr><th>${escapeHtml(month)}</th>${tds.join('')}</tr>`;
  });
  return `<table class="grid">${rows.join('\n')}</table>`;
}

/**
 * One small bar chart: a bar per calendar day on the table's own scale (0 … its max), the max
 * labelled; one SVG path for every bar, so a three-year calendar stays light.
 */
export function barChart(cells: LakeCell[], value: (c: LakeCell) => number, colour: string, label: string): string {
  const { width, height, left, top, bottom } = CHART;
  const plotW = width - left - 4;
  const plotH = height - top - bottom;
  const max = Math.max(0, ...cells.map(value));
  const step = cells.length ? plotW / cells.length : plotW;
  const barW = Math.max(step * 0.8, 0.5);
  const base = top + plotH;
  const bars = max
    ? cells
        .map((c, i) => [c, i] as const)
        .filter(([c]) => value(c) > 0)
        .map(
          ([c, i]) =>
            `M${(left + i * step).toFixed(2)} ${base}v${(-(value(c) / max) * plotH).toFixed(2)}h${barW.toFixed(2)}V${base}z`,
        )
        .join('')
    : '';
  const first = cells[0]?.day ?? '';
  const last = cells[cells.length - 1]?.day ?? '';
  return `<svg class="chart" data-series="${escapeHtml(label)}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(label)} per day, max ${n(max)}">
<line x1="${left}" y1="${base}" x2="${width - 4}" y2="${base}" stroke="#999"/><line x1="${left}" y1="${top}" x2="${left}" y2="${base}" stroke="#999"/>
${max ? `<text x="${left - 4}" y="${top + 8}" font-size="10" text-anchor="end">${n(max)}</text>` : `<text x="${left + 6}" y="${top + 20}" font-size="10" fill="#777">none</text>`}<text x="${left - 4}" y="${base}" font-size="10" text-anchor="end">0</text>
<text x="${left}" y="${height - 2}" font-size="10">${escapeHtml(first)}</text><text x="${width - 4}" y="${height - 2}" font-size="10" text-anchor="end">${escapeHtml(last)}</text>
${bars ? `<path d="${bars}" fill="${colour}"/>` : ''}
</svg>`;
}

function runsSection(page: LakePage): string {
  if (!page.runs.length) return '<h2>Runs</h2><p>No run recorded yet.</p>';
  const rows = page.runs.map((r) => {
    const name = r.href ? `<a href="${escapeHtml(r.href)}">${escapeHtml(r.execution)}</a>` : escapeHtml(r.execution);
    return `<tr><td>${name}</td><td class="${escapeHtml(r.status)}">${escapeHtml(r.status)}</td><td>${escapeHtml(r.startedAt)}</td><td class="num">${r.durationSeconds === undefined ? '' : `${r.durationSeconds.toFixed(1)} s`}</td><td class="num">${r.failedDays ? n(r.failedDays) : ''}</td><td><small>${escapeHtml(r.cause ?? '')}</small></td></tr>`;
  });
  const older = page.olderRuns ? `<p>and ${n(page.olderRuns)} older runs (their pages stay in _reports/).</p>` : '';
  return `<h2>Runs</h2>
<table id="runs"><tr><th>execution</th><th>status</th><th>started</th><th>took</th><th>failed days</th><th>cause</th></tr>
${rows.join('\n')}</table>${older}`;
}
