/**
 * For the driver's pytest suites: prints the StepSpec fields LaunchStep derives from a table's config
 * (src/pipeline/steps.ts tableSpecFields: keys, raw reading SQL, reject threshold), so Python tests run
 * the SQL TypeScript generates instead of a copy.
 * stdin: `{"datasets": {...}, "aggregates": {...}, "table": "x", "executionId": "e1", "groupId": "g1", "days": ["2024-03-05"],
 * "reads": [{"table": "y", "from": "2024-03-04", "to": "2024-03-05"}]}` (datasets/aggregates as in
 * lakestep.config.yml; `reads` optional); stdout: the fields as JSON, with `reads` as LaunchStep
 * completes them (columns, partitions) when given.
 */
import { readFileSync } from 'node:fs';
import { parseConfig, tableConfig } from '../../src/config/config';
import { readSpec, tableSpecFields } from '../../src/pipeline/steps';
import type { TableRange } from '../../src/core/types';

const input = JSON.parse(readFileSync(0, 'utf8'));
const config = parseConfig({ datasets: input.datasets, aggregates: input.aggregates ?? {} });
const fields = tableSpecFields(tableConfig(config, input.table), input.executionId, input.groupId, input.days);
const reads = input.reads ? { reads: (input.reads as TableRange[]).map((read) => readSpec(config, read)) } : {};
process.stdout.write(JSON.stringify({ ...fields, ...reads }));
