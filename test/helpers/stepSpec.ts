/** A StepSpec of the access_records stage for tests: give the fields a test is about, the rest follow. */
import { rawDaysForRange } from '../../src/core/dependencies';
import type { StepSpec } from '../../src/core/types';

export function stepSpec(fields: Partial<StepSpec> & Pick<StepSpec, 'days'>): StepSpec {
  const { days } = fields;
  return {
    executionId: 'exec-1',
    groupId: `access_records-${days[0]}`,
    dataset: 'access_records',
    rawDays: rawDaysForRange(days[0], days[days.length - 1], 1),
    reads: [],
    period: 'day',
    checks: [],
    metrics: {},
    stageSql: 'spark/sql/access_records.sql',
    stageVersion: 'test',
    resultKey: `_runs/exec-1/steps/access_records-${days[0]}.json`,
    ...fields,
  };
}
