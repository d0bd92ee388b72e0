/**
 * A fault script for local steps (`LAKESTEP_STEP_FAULTS=<json file>`): rehearses, on a laptop, the
 * EMR step endings that matter most on AWS — `FAILED`, `CANCELLED` (someone cancelled it, or the
 * cluster was shutting down) and `INTERRUPTED` (the cluster was terminated or lost its node) — with
 * the message EMR would give, reported through CheckStep exactly as EmrStepRunner reports them.
 *
 * The file is a JSON array; each entry names a dataset (or aggregate), a day or an inclusive day
 * range, the terminal state and, optionally, the message:
 * ```json
 * [{ "dataset": "access_records", "day": "2024-03-05", "state": "INTERRUPTED" },
 *  { "dataset": "file_downloads", "from": "2024-03-01", "to": "2024-03-03", "state": "FAILED", "message": "Container killed on request. Exit code is 137" }]
 * ```
 * A step holding any such day does not run at all (an EMR step that failed wrote nothing) and ends in
 * that state. On EMR a step is a group of contiguous days, so the group's other days fail with it.
 */
import { readFileSync } from 'node:fs';
import { emrStepStatus } from '../aws/emrStepRunner';
import { parseDay } from '../core/days';
import { InputError } from '../core/errors';
import type { StepRunner } from '../core/ports';
import type { Day, StepSpec, StepStatus } from '../core/types';

export const STEP_FAULTS_ENV = 'LAKESTEP_STEP_FAULTS';

const FAULT_STATES = ['FAILED', 'CANCELLED', 'INTERRUPTED'] as const;
export type FaultState = (typeof FAULT_STATES)[number];

export interface StepFault {
  dataset: string;
  /** inclusive, `YYYY-MM-DD` (a `day` entry is from = to = day) */
  from: Day;
  to: Day;
  state: FaultState;
  message?: string;
}

const ENTRY_KEYS = new Set(['dataset', 'day', 'from', 'to', 'state', 'message']);

/**
 * Parses a fault script's JSON text.
 * @param source the file, for error messages
 * @throws InputError naming `<source>[i].<field>` for a bad entry (unknown key, missing dataset,
 *   neither `day` nor `from`/`to`, a bad date, from after to, a state other than FAILED/CANCELLED/INTERRUPTED)
 */
export function parseStepFaults(text: string, source: string): StepFault[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new InputError(source, `not valid JSON (${(err as Error).message})`);
  }
  if (!Array.isArray(parsed))
    throw new InputError(source, 'expected a JSON array of faults ({dataset, day | from/to, state, message?})');
  return parsed.map((entry: unknown, i) => {
    const at = (field: string) => `${source}[${i}]${field ? `.${field}` : ''}`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
      throw new InputError(at(''), 'expected an object {dataset, day | from/to, state, message?}');
    const e = entry as Record<string, unknown>;
    const unknown = Object.keys(e).find((k) => !ENTRY_KEYS.has(k));
    if (unknown) throw new InputError(at(unknown), `unknown key (expected ${[...ENTRY_KEYS].join(', ')})`);
    if (typeof e.dataset !== 'string' || !e.dataset)
      throw new InputError(at('dataset'), 'expected the name of a dataset or aggregate');
    if (!FAULT_STATES.includes(e.state as FaultState))
      throw new InputError(at('state'), `expected one of ${FAULT_STATES.join(', ')}, got ${JSON.stringify(e.state)}`);
    if (e.message !== undefined && typeof e.message !== 'string')
      throw new InputError(at('message'), 'expected a string');
    const day = (field: string) => {
      if (typeof e[field] !== 'string') throw new InputError(at(field), 'expected a day YYYY-MM-DD');
      return parseDay(e[field] as string, at(field));
    };
    if (e.day !== undefined && (e.from !== undefined || e.to !== undefined))
      throw new InputError(at('day'), 'give either day or from/to, not both');
    const from = e.day !== undefined ? day('day') : day('from');
    const to = e.day !== undefined ? from : day('to');
    if (from > to) throw new InputError(at('from'), `${from} is after to ${to}`);
    return {
      dataset: e.dataset,
      from,
      to,
      state: e.state as FaultState,
      ...(e.message !== undefined ? { message: e.message as string } : {}),
    };
  });
}

/** The first fault that hits a step of `dataset` over `days`, if any. */
export function faultFor(faults: StepFault[], dataset: string, days: Day[]): StepFault | undefined {
  return faults.find((f) => f.dataset === dataset && days.some((day) => day >= f.from && day <= f.to));
}

/**
 * A StepRunner that ends the steps the script names as EMR would, and passes every other step to
 * the real local runner (DuckDB or spark-submit).
 */
export class FaultScriptStepRunner implements StepRunner {
  private readonly faulted = new Map<string, StepStatus>();
  private next = 0;

  constructor(
    private readonly inner: StepRunner & { stop?(): Promise<void> },
    private readonly faults: StepFault[],
  ) {}

  async submit(spec: StepSpec): Promise<{ stepId: string }> {
    const fault = faultFor(this.faults, spec.dataset, spec.days);
    if (!fault) return this.inner.submit(spec);
    const stepId = `fault-${spec.groupId}-${++this.next}`;
    this.faulted.set(stepId, emrStepStatus(stepId, fault.state, fault.message));
    return { stepId };
  }

  async describe(stepId: string, clusterId?: string): Promise<StepStatus> {
    return this.faulted.get(stepId) ?? this.inner.describe(stepId, clusterId);
  }

  /** A faulted step has ended already (in the state the script gave it). */
  async cancel(stepId: string, clusterId?: string): Promise<'cancelling' | 'ended'> {
    return this.faulted.has(stepId) ? 'ended' : this.inner.cancel(stepId, clusterId);
  }

  async stop(): Promise<void> {
    await this.inner.stop?.();
  }
}

/**
 * Wraps `runner` in the fault script `env.LAKESTEP_STEP_FAULTS` names; `runner` itself when unset.
 * @throws InputError naming the variable when the file cannot be read, or the entry and field that is wrong
 */
export function withStepFaults<R extends StepRunner>(
  runner: R,
  env: NodeJS.ProcessEnv = process.env,
): R | FaultScriptStepRunner {
  const file = env[STEP_FAULTS_ENV];
  if (!file) return runner;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError(STEP_FAULTS_ENV, `cannot read the fault script ${file} (${(err as Error).message})`);
  }
  return new FaultScriptStepRunner(runner, parseStepFaults(text, `${STEP_FAULTS_ENV} ${file}`));
}
