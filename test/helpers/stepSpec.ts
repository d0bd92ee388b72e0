/** A StepSpec of the access_records stage for tests: give the fields a test is about, the rest follow (as LaunchStep derives them). */
import { loadConfig, tableConfig } from '../../src/config/config';
import { rawDaysForRange } from '../../src/core/dependencies';
import type { StepSpec } from '../../src/core/types';
import { stepSpecKey } from '../../src/core/runKeys';
import { tableSpecFields } from '../../src/pipeline/steps';

export function stepSpec(fields: Partial<StepSpec> & Pick<StepSpec, 'days'>): StepSpec {
  const { days } = fields;
  const executionId = fields.executionId ?? 'exec-1';
  const dataset = fields.dataset ?? 'access_records';
  const groupId = fields.groupId ?? `${dataset}-${days[0]}`;
  return {
    executionId,
    groupId,
    dataset,
    rawDays: rawDaysForRange(days[0], days[days.length - 1], 1),
    reads: [],
    period: 'day',
    checks: [],
    metrics: {},
    stageSql: 'spark/sql/access_records.sql',
    stageVersion: 'test',
    resultKey: `_runs/exec-1/steps/access_records-${days[0]}.json`,
    specKey: stepSpecKey(executionId, groupId),
    ...tableSpecFields(tableConfig(loadConfig(), dataset), executionId, groupId, days),
    ...fields,
  };
}
