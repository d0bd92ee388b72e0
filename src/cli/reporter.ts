/**
 * Progress of a local execution, from the state machine's event log: one line per state of
 * interest and one per day a step finished. `TerminalReporter` writes to stderr; tests use
 * `SilentReporter`.
 */
import type { EventLog } from '../local/executeStateMachine';
import type { CheckedStep } from '../pipeline/steps';
import { daysBetween } from '../core/days';
import type { DiscoverResult, GroupItem, RawListingSummary } from '../pipeline/discover';
import { plural } from './plural';
import { colourEnabled, paint, type Paint } from './colour';
import {
  type ChainProgress,
  daysDone,
  describeRemaining,
  NO_PROGRESS,
  planned,
  remainingSeconds,
  stepStarted,
} from './chainProgress';

export interface Reporter {
  onEvent(event: EventLog): void;
  line(text: string): void;
}

export const SilentReporter: Reporter = { onEvent: () => undefined, line: () => undefined };

const fmt = (n: number) => n.toLocaleString('en-US');

/** How often the elapsed-time ticker redraws, in ms. */
const TICK_MS = 1000;

export class TerminalReporter implements Reporter {
  /** one counter over every execution of a cut run (the reporter sees the whole chain's events) */
  private progress: ChainProgress = NO_PROGRESS;
  /** steps running now: group id → table and the ms it started at */
  private readonly running = new Map<string, { dataset: string; startedAtMs: number }>();
  private ticker?: NodeJS.Timeout;
  private readonly tty: boolean;
  private readonly paint: Paint;

  /**
   * @param out where progress goes (stderr)
   * @param options.tty draw the elapsed-time ticker (default: whether `out` is a terminal; never in a log file or a pipe)
   * @param options.colour colour ok / FAILED / warnings (default: colourEnabled(out): a terminal, and NO_COLOR unset)
   */
  constructor(
    private readonly out: NodeJS.WritableStream = process.stderr,
    options: { tty?: boolean; colour?: boolean } = {},
  ) {
    this.tty = options.tty ?? Boolean((out as { isTTY?: boolean }).isTTY);
    this.paint = paint(options.colour ?? colourEnabled(out));
  }

  line(text: string): void {
    // errors red and warnings yellow, as a whole line; the rest as it is
    const painted = /^(error|FAILED)\b/.test(text)
      ? this.paint.failed(text)
      : /^warning\b/.test(text)
        ? this.paint.warning(text)
        : text;
    // the ticker's line is redrawn after, so a progress line never lands in the middle of it
    this.out.write(`${this.ticker ? '\r\x1b[K' : ''}${painted}\n`);
  }

  onEvent(event: EventLog): void {
    if (event.type === 'ExecutionSucceeded' || event.type === 'ExecutionFailed' || event.type === 'ExecutionAborted')
      this.stopSteps();
    if (event.type === 'StateEntered' && event.state.name === 'LaunchStep')
      this.stepStarted(event.state.input as { group?: GroupItem });
    if (event.type === 'StateEntered' && event.state.name === 'Discover') this.line('discovering raw partitions…');
    if (event.type === 'StateEntered' && event.state.name === 'StartCrawler')
      this.line('publishing tables to the catalog…');
    // Which state failed, and with what error; the cause (often long) is the run's last line, once.
    // The Fail state only repeats the error it ends the execution with.
    if (event.type === 'StateFailed' && event.state.type !== 'Fail')
      this.line(`state ${event.state.name} failed: ${event.Error}`);
    if (event.type !== 'StateExited') return;
    const output = event.state.output as Record<string, unknown> | undefined;
    if (event.state.name === 'Discover') {
      const plan = output?.plan as DiscoverResult | undefined;
      if (!plan) return; // Discover failed: the failure path reports it
      // a cut run's next execution plans what is left: the counter goes on, its total is done + left
      // an execution started by an older deployed version has no deferredDays
      this.progress = planned(this.progress, plan.dirtyDays, plan.deferredDays ?? 0);
      const later = plan.deferredDays
        ? `; ${plural(plan.deferredDays, 'more day partition')} in the executions that follow`
        : '';
      this.line(
        plan.dirtyDays
          ? `plan: ${plural(plan.dirtyDays, 'day')} in ${plural(plan.steps, 'step')}${later}`
          : 'plan: nothing to do, every partition is up to date',
      );
      const listed = describeListings(plan.rawListings ?? []);
      if (listed) this.line(listed);
      if (plan.ignoredKeys) {
        const more = plan.ignoredKeys > plan.ignoredKeyExamples.length ? ', …' : '';
        this.line(
          `warning: ${plan.ignoredKeys} raw keys are in no known layout (<prefix>YYYY/MM/DD/HH/… or <prefix>year=YYYY/month=MM/day=DD/…) and were left alone: ${plan.ignoredKeyExamples.join(', ')}${more}`,
        );
      }
      if (plan.skippedKeys) {
        const more = plan.skippedKeys > plan.skippedKeyExamples.length ? ', …' : '';
        this.line(
          `warning: ${plural(plan.skippedKeys, 'raw file')} not read (a name starting with _ or . marks a file or folder as not data, as Spark's readers do; ` +
            `symbolic links are not followed): ${plan.skippedKeyExamples.join(', ')}${more}`,
        );
      }
      for (const { dataset, prefix } of plan.emptyRawPrefixes ?? [])
        this.line(
          `warning: nothing under ${prefix}, the raw prefix of ${dataset} (raw.prefix in lakestep.config.yml): none of its days is computed`,
        );
      if (plan.missingRawDays) {
        const more = plan.missingRawDays > plan.missingRawDayExamples.length ? ', …' : '';
        this.line(
          `warning: raw data of ${plural(plan.missingRawDays, 'arrival day')} was removed since it was processed (${plan.missingRawDayExamples.join(', ')}${more}): ` +
            'the days it reaches keep their published rows; `lakestep run --accept-raw-removal` recomputes them from the raw data left',
        );
      }
    }
    if (event.state.name === 'CheckStep') {
      const status = output?.status as CheckedStep | undefined;
      const group = output?.group as { dataset: string };
      if (!status) return;
      if (status.state === 'COMPLETED' || status.state === 'FAILED' || status.state === 'CANCELLED')
        this.stepEnded((output?.group as GroupItem | undefined)?.groupId);
      if (status.state === 'FAILED' || status.state === 'CANCELLED')
        this.line(`step ${group.dataset} failed: ${status.failureMessage ?? status.state}`);
      const days = status.days ?? [];
      // A step's seconds are measured for the step as a whole: a day's own only when it ran alone; a
      // longer step's once, on its last day. A result written for a step that never ran says 0 s.
      const measured = status.seconds !== undefined && status.seconds > 0;
      days.forEach((day, k) => {
        this.progress = daysDone(this.progress, 1);
        const last = k === days.length - 1;
        const seconds =
          !measured || !last
            ? ''
            : days.length === 1
              ? ` ${status.seconds!.toFixed(1)}s`
              : ` (step of ${days.length} days ${status.seconds!.toFixed(1)}s)`;
        const left = last ? describeRemaining(remainingSeconds(this.progress, Date.now())) : undefined;
        this.line(
          `[${this.progress.doneDays}/${this.progress.totalDays}] ${day.day} ${group.dataset} ${day.status === 'succeeded' ? this.paint.ok('ok') : this.paint.failed('FAILED')} ${fmt(day.recordsOut)} rows${day.rejected ? `, ${fmt(day.rejected)} rejected` : ''}${seconds}${left ? ` · ${left}` : ''}`,
        );
      });
    }
  }

  /** A line when a step starts (an EMR step is minutes of silence otherwise); on a terminal, the ticker runs. */
  private stepStarted(input: { group?: GroupItem }): void {
    const group = input.group;
    if (!group) return;
    const range = group.from === group.to ? group.from : `${group.from}…${group.to}`;
    this.line(`step ${group.dataset} ${range} started (${plural(group.dayCount, 'partition')})`);
    const nowMs = Date.now();
    this.progress = stepStarted(this.progress, nowMs);
    this.running.set(group.groupId, { dataset: group.dataset, startedAtMs: nowMs });
    if (this.tty && !this.ticker) {
      this.ticker = setInterval(() => this.drawTicker(), TICK_MS);
      this.ticker.unref(); // never what keeps the process alive
    }
  }

  private stepEnded(groupId: string | undefined): void {
    if (groupId) this.running.delete(groupId);
    if (!this.running.size) this.stopSteps();
  }

  private stopSteps(): void {
    this.running.clear();
    if (!this.ticker) return;
    clearInterval(this.ticker);
    this.ticker = undefined;
    this.out.write('\r\x1b[K');
  }

  /** `running: access_records 42s, file_downloads 3s` on one line, redrawn in place. */
  private drawTicker(): void {
    const nowMs = Date.now();
    const steps = [...this.running.values()].map((s) => `${s.dataset} ${Math.round((nowMs - s.startedAtMs) / 1000)}s`);
    const left = describeRemaining(remainingSeconds(this.progress, nowMs));
    this.out.write(
      `\r\x1b[Krunning: ${steps.join(', ')}${left ? ` · [${this.progress.doneDays}/${this.progress.totalDays}] ${left}` : ''}`,
    );
  }
}

/**
 * One line on what discovery listed, when some dataset was listed only in part (a scheduled run's
 * window); undefined when every dataset was listed whole.
 * @example describeListings([{ dataset: 'access_records', scope: 'days', days: 2, from: '2024-03-05', to: '2024-03-06' }])
 * // 'listed raw arrival days: access_records 2024-03-05…2024-03-06 (the others are as the ledger recorded them; `--full` lists every day)'
 */
export function describeListings(listings: RawListingSummary[]): string | undefined {
  if (!listings.some((l) => l.scope === 'days')) return undefined;
  const parts = listings.map((l) => {
    if (l.scope === 'all') return `${l.dataset} every day (${l.reason.replaceAll('_', ' ')})`;
    if (l.days === 0 || l.from === undefined || l.to === undefined) return `${l.dataset} none`;
    return `${l.dataset} ${l.from === l.to ? l.from : `${l.from}…${l.to}`}${l.days < 1 + daysBetween(l.from, l.to) ? ` (${plural(l.days, 'day')})` : ''}`;
  });
  return `listed raw arrival days: ${parts.join(', ')} (the others are as the ledger recorded them; \`--full\` lists every day)`;
}
