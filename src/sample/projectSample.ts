/**
 * `lakestep sample` for the project in use: its own generator when its config names one
 * (`sample: { generator: sample/index.ts }`, a module exporting `sample` of type ProjectSampleGenerator),
 * else raw files drawn from every dataset's declared columns (declaredSample.ts).
 */
import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { LakestepConfig } from '../config/config';
import { ConfigError } from '../core/errors';
import type { Day } from '../core/types';
import { generateDeclaredSample, type DeclaredSampleSummary } from './declaredSample';

export interface ProjectSampleOptions {
  lakeDir: string;
  /** arrival days, ≥ 1 */
  days: number;
  /** first arrival day (UTC) */
  start: Day;
  recordsPerHour: number;
  seed: number;
  config: LakestepConfig;
  /** the project folder (the generator's path is relative to it) */
  projectDir: string;
}

/** What a generator says it wrote: lines for the terminal (a `warning: …` line for a sample a run will fail on). */
export interface ProjectSampleResult {
  lines: string[];
}

/** The `sample` export of a project's generator module. */
export type ProjectSampleGenerator = (opts: ProjectSampleOptions) => Promise<ProjectSampleResult>;

/**
 * @throws ConfigError when the named generator module is missing or has no `sample` function
 */
export async function sampleProject(opts: ProjectSampleOptions): Promise<ProjectSampleResult> {
  const generator = opts.config.sample?.generator;
  if (!generator) return { lines: declaredLines(await generateDeclaredSample(opts), opts) };
  // checked here, not at load: the Lambdas load the config without the project's generator beside them
  const path = resolve(opts.projectDir, generator);
  if (!existsSync(path))
    throw new ConfigError(
      'sample.generator',
      `${path} does not exist (expected the project's sample generator module)`,
    );
  // the CLI runs through tsx (bin/lakestep.js), so a .ts generator loads as it is
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const module = require(path) as { sample?: ProjectSampleGenerator };
  if (typeof module.sample !== 'function')
    throw new ConfigError(
      'sample.generator',
      `${generator} exports no function \`sample\` (expected \`export async function sample(opts)\`, see src/sample/projectSample.ts)`,
    );
  return module.sample(opts);
}

/**
 * The queries `lakestep start` suggests: the generator module's `queries` when it exports them, else a
 * count per day of every table and the first dataset's rejects by reason.
 */
export function startQueries(config: LakestepConfig, projectDir: string): string[] {
  const generator = config.sample?.generator;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const own = generator ? (require(resolve(projectDir, generator)) as { queries?: string[] }).queries : undefined;
  if (own) return own;
  const tables = [...Object.keys(config.datasets), ...Object.keys(config.aggregates)];
  const first = Object.keys(config.datasets)[0];
  return [
    ...tables.map((t) => `SELECT record_date, count(*) AS n FROM ${t} GROUP BY ALL ORDER BY ALL`),
    ...(first ? [`SELECT reason, count(*) AS n FROM rejected_${first} GROUP BY ALL`] : []),
  ];
}

const n = (k: number) => k.toLocaleString('en-US');

function declaredLines(summaries: DeclaredSampleSummary[], opts: ProjectSampleOptions): string[] {
  const lines: string[] = [];
  for (const s of summaries) {
    const where = relative(process.cwd(), join(opts.lakeDir, s.prefix)) || '.';
    lines.push(
      `sample: ${n(s.records)} ${s.dataset} records in ${n(s.files)} files under ${where} (${n(s.duplicates)} copies, ${n(s.lateWithinAllowance)} late within the allowance, ${n(s.rejected)} to quarantine)`,
    );
    const threshold = opts.config.datasets[s.dataset].rejectThreshold;
    if (s.rejected / s.records > threshold) {
      lines.push(
        `warning: ${((100 * s.rejected) / s.records).toFixed(1)} % of these ${s.dataset} records are to be quarantined, over its ${(threshold * 100).toFixed(1)} % reject threshold: lakestep run will fail their days (use a larger --records-per-hour)`,
      );
    }
  }
  return lines;
}
