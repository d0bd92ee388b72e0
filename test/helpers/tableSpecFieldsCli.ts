/**
 * For the driver's pytest suites: prints the StepSpec fields LaunchStep derives from a table's config
 * (src/pipeline/steps.ts tableSpecFields: keys, raw reading SQL, reject threshold), so Python tests run
 * the SQL TypeScript generates instead of a copy.
 * stdin: `{"datasets": {...}, "aggregates": {...}, "table": "x", "executionId": "e1", "groupId": "g1", "days": ["2024-03-05"]}`
 * (datasets/aggregates as in lakestep.config.yml); stdout: the fields as JSON.
 */
import { readFileSync } from 'node:fs';
import { parseConfig, tableConfig } from '../../src/config/config';
import { tableSpecFields } from '../../src/pipeline/steps';

const input = JSON.parse(readFileSync(0, 'utf8'));
const config = parseConfig({ datasets: input.datasets, aggregates: input.aggregates ?? {} });
process.stdout.write(JSON.stringify(tableSpecFields(tableConfig(config, input.table), input.executionId, input.groupId, input.days)));
