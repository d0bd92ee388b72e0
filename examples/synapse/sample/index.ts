/**
 * The Synapse example's `lakestep sample` generator (named by its config's `sample.generator`):
 * realistic access records, the file downloads they imply and node snapshot dumps (generate.ts).
 */
import { join } from 'node:path';
import { DEFAULTS } from '../../../src/config/config';
import { generateSample } from './generate';
import type { ProjectSampleGenerator } from '../../../src/sample/projectSample';

const fmtPercent = (share: number) => `${(share * 100).toFixed(1)} %`;

export const sample: ProjectSampleGenerator = async (opts) => {
  const summary = await generateSample(opts);
  const lines = [
    `sample: ${summary.recordsWritten.toLocaleString('en-US')} access records in ${summary.files} files (${(summary.bytes / 1e6).toFixed(1)} MB) under ${join(opts.lakeDir, 'raw/access_records')}`,
  ];
  if (summary.fileDownloads)
    lines.push(
      `sample: ${summary.fileDownloads.recordsWritten.toLocaleString('en-US')} file downloads under ${join(opts.lakeDir, 'raw/file_downloads')}`,
    );
  if (summary.nodeSnapshots)
    lines.push(
      `sample: ${summary.nodeSnapshots.files} daily node snapshot dumps of ${summary.nodeSnapshots.nodes.toLocaleString('en-US')} nodes under ${join(opts.lakeDir, 'raw/node_snapshots')}`,
    );
  // Every day gets a fixed few malformed records (so a tiny sample has every kind): in a small
  // sample they pass the reject threshold and the run fails those days, by design. Say so now.
  const { rejected, recordsByArrivalDay } = summary.expected;
  const records = Object.values(recordsByArrivalDay).reduce((n, k) => n + k, 0);
  const threshold = opts.config.datasets.access_records?.rejectThreshold ?? DEFAULTS.rejectThreshold;
  if (records > 0 && rejected / records > threshold) {
    lines.push(
      `warning: ${fmtPercent(rejected / records)} of these access records are malformed or late, over the ${fmtPercent(threshold)} reject threshold: ` +
        `lakestep run will fail their days and publish nothing (use --records-per-hour 20 or more for a run that passes)`,
    );
  }
  return { lines };
};

/** What `lakestep start` suggests after a run of this example. */
export const queries = [
  'SELECT record_date, client, count(*) AS requests FROM access_records GROUP BY ALL ORDER BY ALL',
  'SELECT reason, count(*) FROM rejected_access_records GROUP BY ALL',
  'SELECT * FROM project_downloads_daily ORDER BY record_date, downloads_28d DESC LIMIT 10',
];
