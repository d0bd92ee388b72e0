/**
 * The cost estimate as a user sees it: a dry run prints it and carries it in --json as `estimate`,
 * and the run report (text, JSON and HTML) shows it for the work done.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { generateSample } from '../../examples/synapse/sample/generate';
import { tmpLake } from '../helpers/lake';
import { lakestep } from '../helpers/cli';
import { PRICES } from '../../src/core/prices';

describe('cost estimate', () => {
  const lake = tmpLake('cost');
  beforeAll(() =>
    generateSample({
      lakeDir: lake,
      days: 2,
      start: '2024-03-04',
      recordsPerHour: 20,
      seed: 5,
      datasets: ['access_records'],
    }),
  );
  afterAll(() => rmSync(lake, { recursive: true, force: true }));

  it('prints what the planned work would cost on a dry run, with assumed step seconds before any run', async () => {
    const text = await lakestep('run', '--lake', lake, '--dry-run');
    const json = await lakestep('run', '--lake', lake, '--dry-run', '--json');

    expect(text.code).toBe(0);
    expect(text.stderr).toMatch(
      /cost on AWS of this plan: about \$\d+\.\d\d \(AWS list prices, us-east-1, 2024-12-01; 1 execution\)/,
    );
    expect(text.stderr).toMatch(/ {2}history events: at most [\d,]+ in one execution \(limit 25,000\)/);
    expect(text.stderr).toContain('note: EMR seconds assumed: 60 s start-up per step + 120 s per table-day');
    const { estimate, plan } = JSON.parse(json.stdout);
    // the serverless.yml defaults: 1 + 2 m5.xlarge, 8 crawlers (3 datasets × 2 + 2 aggregates)
    expect(estimate.emr.instances).toEqual([
      { type: 'm5.xlarge', count: 1, usdPerHour: 0.24 },
      { type: 'm5.xlarge', count: 2, usdPerHour: 0.24 },
    ]);
    expect(estimate.crawlers.runs).toBe(8);
    expect(estimate.prices.asOf).toBe(PRICES.asOf);
    // writes: lock 2 + one renewal per poll + days + raw partitions + record + lock delete
    expect(estimate.dynamoDb.writes).toBeGreaterThan(4 + plan.days.length);
  });

  it('shows the cost of the work done in the run report, from the steps measured, and then uses it in a dry run', async () => {
    const run = await lakestep('run', '--lake', lake);
    const report = await lakestep('report', '--lake', lake);
    const json = JSON.parse((await lakestep('report', '--lake', lake, '--json')).stdout);
    const forced = await lakestep(
      'run',
      '--lake',
      lake,
      '--dry-run',
      '--from',
      '2024-03-04',
      '--to',
      '2024-03-05',
      '--force',
    );

    expect(run.code).toBe(0);
    expect(report.stdout).toMatch(/cost on AWS of this work: about \$\d+\.\d\d/);
    expect(json.cost.emr.timing).toBe('measured');
    expect(json.cost.emr.basis).toMatch(/this execution's \d+ steps?, on the local engine/);
    const html = readFileSync(join(lake, '_reports', `${json.execution}.html`), 'utf8');
    expect(html).toContain('<table id="cost">');
    expect(forced.stderr).toMatch(
      /note: EMR seconds per table-day measured: [\d.]+ s \(mean of the 1 newest run reports of this lake, \d+ table-days\)/,
    );
  });
});
