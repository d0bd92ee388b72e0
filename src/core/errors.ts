/**
 * lakestep's errors. An error's `name` is the Retry/Catch contract of the state machine:
 * `statemachines/pipeline.asl.yml` names exactly these strings in ErrorEquals (a test checks both sides).
 */
export class LakestepError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A bad execution input or CLI argument: names the field and what was expected. */
export class InputError extends LakestepError {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

/** A bad entry in lakestep.config.yml: names the key path and what was expected. */
export class ConfigError extends LakestepError {
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(`lakestep.config.yml ${key}: ${message}`);
  }
}

/** Another execution holds the pipeline lock. */
export class LockHeldError extends LakestepError {
  constructor(
    readonly holder: string,
    readonly expiresAtMs: number,
  ) {
    super(
      `execution ${holder} holds the lock until ${new Date(expiresAtMs).toISOString()}; retry after it ends or expires`,
    );
  }
}

/** A step (EMR step, local DuckDB or spark-submit run) failed as a whole. */
export class StepFailedError extends LakestepError {
  constructor(
    readonly days: string[],
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * A step ran past its deadline (stepTimeoutMinutes from launch) and was cancelled; its days failed and stay
 * dirty for the next run.
 * @example new StepTimeoutError(['2024-03-05'], 's-1ABC', 120) // 'step s-1ABC ran past its deadline (120 min after launch, stepTimeoutMinutes) and was cancelled; …'
 */
export class StepTimeoutError extends StepFailedError {
  constructor(
    days: string[],
    readonly stepId: string,
    readonly timeoutMinutes: number,
  ) {
    super(
      days,
      `step ${stepId} ran past its deadline (${timeoutMinutes} min after launch, stepTimeoutMinutes) and was cancelled; ` +
        `its days stay dirty: look at the step's log, then raise stepTimeoutMinutes in lakestep.config.yml if it was only slow`,
    );
  }
}

/** A step group's share of quarantined records passed the dataset's threshold. */
export class RejectThresholdError extends LakestepError {
  /** @param quarantinePrefix lake prefix where the step put its quarantined records instead of rejected/<table>/ */
  constructor(
    readonly dataset: string,
    readonly days: string[],
    readonly rejected: number,
    readonly total: number,
    readonly threshold: number,
    readonly quarantinePrefix: string,
  ) {
    super(
      fillRejectThresholdMessage(rejectThresholdTemplate(dataset, days, threshold, quarantinePrefix), rejected, total),
    );
  }
}

/**
 * RejectThresholdError's message with the step's counts left as `{rejected}`, `{total}` and
 * `{percent}` (StepSpec.rejectThreshold carries it, so no engine re-creates the text).
 * @example rejectThresholdTemplate('x', ['2024-03-01'], 0.05, '_runs/e/rejected/x/') // 'x 2024-03-01…2024-03-01: {rejected} of {total} records rejected ({percent} %), over the 5.0 % threshold; …'
 */
export function rejectThresholdTemplate(
  dataset: string,
  days: string[],
  threshold: number,
  quarantinePrefix: string,
): string {
  return (
    `${dataset} ${days[0]}…${days[days.length - 1]}: {rejected} of {total} records rejected ({percent} %), ` +
    `over the ${percentText(Math.round(threshold * 1e6), 1e6)} % threshold; ` +
    `nothing was published; the quarantined records (raw text and reasons) are in ${quarantinePrefix}`
  );
}

/** The template with its counts: `{percent}` is percentText(rejected, total). */
export function fillRejectThresholdMessage(template: string, rejected: number, total: number): string {
  return template
    .replace('{rejected}', String(rejected))
    .replace('{total}', String(total))
    .replace('{percent}', percentText(rejected, total));
}

/**
 * `part / whole` as a percentage with one decimal, rounded half up on the exact ratio, in integer
 * arithmetic (every engine gets the same text; whole 0 counts as 1).
 * @example percentText(1, 8) // '12.5'; percentText(1, 3) // '33.3'
 */
export function percentText(part: number, whole: number): string {
  const w = Math.max(whole, 1);
  const tenths = Math.floor((2000 * part + w) / (2 * w));
  return `${Math.floor(tenths / 10)}.${tenths % 10}`;
}

/** Some days of an execution failed; the others were committed. */
export class DaysFailedError extends LakestepError {
  constructor(
    readonly days: string[],
    message: string,
  ) {
    super(message);
  }
}

/** A Glue / local crawler run ended in failure. */
export class CrawlerFailedError extends LakestepError {}

/** A blocking quality gate returned rows for a day: the day is not written. */
export class CheckFailedError extends LakestepError {
  /** @example new CheckFailedError('not_null_session_id', '2024-03-05', 12) // "'not_null_session_id' failed: 12 rows (day 2024-03-05)" */
  constructor(
    readonly check: string,
    readonly day: string,
    readonly rows: number,
  ) {
    super(`'${check}' failed: ${rows} row${rows === 1 ? '' : 's'} (day ${day})`);
  }
}

/** A day was not computed because a day of a table it reads failed in the same execution. */
export class UpstreamFailedError extends LakestepError {
  constructor(readonly input: string) {
    super(`not computed: its input ${input} failed in this execution`);
  }
}

/** An export (metric package) could not be computed or written; the execution's days are committed. */
export class ExportError extends LakestepError {
  constructor(
    readonly exportName: string,
    /** the message without the export's name, as an engine's outcome carries it */
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`exports.${exportName}: ${reason}`, options);
  }
}
