/** Times the parts of a local step (wall and process CPU seconds) for the bench and progress lines. */
import type { LoadRawStats } from './rawReader';

/** Wall seconds of each part of a step, for the bench and for progress lines. */
export interface StepProfile {
  load: LoadRawStats;
  stageSeconds: number;
  countSeconds: number;
  writeSeconds: number;
  totalSeconds: number;
  /** process CPU seconds (all threads) spent loading raw, in the stage SQL, and writing */
  cpu: { load: number; stage: number; write: number; total: number };
}

/** The points a step passes, in order: loading starts at `start`, the stage SQL at `stage`, … */
type StepMark = 'start' | 'stage' | 'count' | 'write' | 'finished';

/**
 * Marks the points of one step as it passes them; {@link StepTimer.profile} turns them into seconds.
 * CPU is the whole process's (DuckDB's threads included), so it is meaningful for one step at a time,
 * which is how DuckDbStepRunner runs them.
 * @example const timer = new StepTimer(); … timer.mark('stage'); … timer.mark('finished'); timer.profile(load)
 */
export class StepTimer {
  private readonly wallMs = new Map<StepMark, number>();
  private readonly cpuAt = new Map<StepMark, NodeJS.CpuUsage>();

  /** Marks `start` now. */
  constructor() {
    this.mark('start');
  }

  mark(at: StepMark): void {
    this.wallMs.set(at, performance.now());
    this.cpuAt.set(at, process.cpuUsage());
  }

  /** Wall seconds from one mark to another. @throws Error when a mark was not passed */
  seconds(from: StepMark, to: StepMark): number {
    return (this.wall(to) - this.wall(from)) / 1000;
  }

  /** The profile of a step that passed every mark (CPU of its last part counted until now). */
  profile(load: LoadRawStats): StepProfile {
    const now = process.cpuUsage();
    return {
      load,
      stageSeconds: this.seconds('stage', 'count'),
      countSeconds: this.seconds('count', 'write'),
      writeSeconds: this.seconds('write', 'finished'),
      totalSeconds: this.seconds('start', 'finished'),
      cpu: {
        load: this.cpuSeconds('start', this.cpu('stage')),
        stage: this.cpuSeconds('stage', this.cpu('write')),
        write: this.cpuSeconds('write', now),
        total: this.cpuSeconds('start', now),
      },
    };
  }

  private wall(at: StepMark): number {
    const ms = this.wallMs.get(at);
    if (ms === undefined) throw new Error(`StepTimer: the step never passed "${at}"`);
    return ms;
  }

  private cpu(at: StepMark): NodeJS.CpuUsage {
    const usage = this.cpuAt.get(at);
    if (usage === undefined) throw new Error(`StepTimer: the step never passed "${at}"`);
    return usage;
  }

  private cpuSeconds(from: StepMark, to: NodeJS.CpuUsage): number {
    const start = this.cpu(from);
    return (to.user - start.user + to.system - start.system) / 1e6;
  }
}
