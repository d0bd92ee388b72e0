/**
 * Where an execution keeps its plan, its steps' results and its summary in the lake
 * (`_runs/<execution name>/…`), so state payloads carry keys, never the data (256 KiB limit).
 */

/**
 * The execution's name: the last `:`-segment of an execution ARN, or the id itself.
 * @example executionName('arn:aws:states:us-east-1:1:execution:lakestep-dev:run-42') === 'run-42'
 */
export function executionName(executionId: string): string {
  return executionId.slice(executionId.lastIndexOf(':') + 1);
}

export const runPrefix = (executionId: string) => `_runs/${executionName(executionId)}/`;
export const planKey = (executionId: string) => `${runPrefix(executionId)}plan.json`;
export const stepResultKey = (executionId: string, groupId: string) => `${runPrefix(executionId)}steps/${groupId}.json`;
/** The StepSpec as launched (an engine reads it from here when it is too long for a command-line argument). */
export const stepSpecKey = (executionId: string, groupId: string) =>
  `${runPrefix(executionId)}steps/${groupId}.spec.json`;
export const summaryKey = (executionId: string) => `${runPrefix(executionId)}summary.json`;
/** Where a step over its reject threshold leaves its quarantined records (they are not published). */
export const quarantineKey = (executionId: string, table: string) => `${runPrefix(executionId)}rejected/${table}/`;
/** Where a step stages the day partitions it writes before they replace the published ones (the PySpark driver). */
export const stagingKey = (executionId: string, groupId: string) =>
  `_staging/${executionName(executionId)}/${groupId}/`;
/** The completion event of an execution that committed days (locally; on AWS it goes to EventBridge). */
export const eventKey = (executionId: string) => `_events/${executionName(executionId)}.json`;
/** An export's package as this execution wrote it, and the copy that always holds the newest. */
export const exportKey = (name: string, executionId: string) => `exports/${name}/${executionName(executionId)}.json`;
export const latestExportKey = (name: string) => `exports/${name}/latest.json`;
/** The export phase's ExportSpec as launched, and the PySpark driver's ExportResult (core/exportSpec). */
export const exportSpecKey = (executionId: string) => `${runPrefix(executionId)}exports.spec.json`;
export const exportResultKey = (executionId: string) => `${runPrefix(executionId)}exports.result.json`;
