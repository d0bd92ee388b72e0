/**
 * StepRunner that runs the PySpark driver (spark/jobs/lakestep_driver.py) through the venv's
 * `spark-submit --master local[2]`: the code path EMR runs, on this machine (`lakestep run --engine spark`).
 * The argument list is sparkSubmitArgs' — the one an EMR step carries — with a local master.
 */
import { spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { PACKAGE_ROOT, type LakestepConfig } from '../config/config';
import { InputError } from '../core/errors';
import type { StepRunner } from '../core/ports';
import { sparkSubmitArgs } from '../core/sparkSubmitArgs';
import type { StepSpec, StepStatus } from '../core/types';

export interface SparkSubmitStepRunnerOptions {
  /** the lake folder (laid out as the S3 bucket) */
  lakeDir: string;
  /** the project: the stage SQL files (spec.stageSql is relative to it) */
  projectRoot: string;
  /** lakestep itself: spark/jobs/ and .venv/; default PACKAGE_ROOT */
  packageRoot?: string;
  config: LakestepConfig;
  /** the venv's Python, default `<packageRoot>/.venv/bin/python`; spark-submit is taken from its folder */
  python?: string;
}

/** Local-only settings: a small machine, no UI port, no `.crc` side files in the lake. */
export const LOCAL_SPARK_CONF: Readonly<Record<string, string>> = {
  'spark.ui.enabled': 'false',
  'spark.sql.shuffle.partitions': '2',
  // The checksummed local FileSystem writes a `.x.crc` next to every file it writes; the raw one
  // writes the lake exactly as S3 would hold it.
  'spark.hadoop.fs.file.impl': 'org.apache.hadoop.fs.RawLocalFileSystem',
  'spark.driver.memory': '1g',
};

/** The environment of a local spark-submit: the venv's Python on both sides, a loopback address. */
export function localSparkEnv(python: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PYSPARK_PYTHON: python,
    PYSPARK_DRIVER_PYTHON: python,
    // Avoid resolving the machine's host name (slow or wrong in containers).
    SPARK_LOCAL_IP: process.env.SPARK_LOCAL_IP ?? '127.0.0.1',
  };
}

/** output lines (both streams) kept per step for failureMessage */
const TAIL_LINES = 40;
/** lines of that tail reported in failureMessage */
const MESSAGE_LINES = 12;

interface RunningStep {
  /** resolves when the spark-submit process has exited */
  exited: Promise<void>;
  stop(): void;
  state: StepStatus['state'];
  tail: string[];
  /** the driver's own `lakestep_driver: error: …` line, without that prefix, when it printed one */
  driverError?: string;
  failureMessage?: string;
}

/** How the driver prints why a step failed (spark/jobs/lakestep_driver.py main). */
const DRIVER_ERROR = 'lakestep_driver: error: ';

export class SparkSubmitStepRunner implements StepRunner {
  private readonly steps = new Map<string, RunningStep>();
  private seq = 0;
  private readonly python: string;

  private get packageRoot() {
    return this.options.packageRoot ?? PACKAGE_ROOT;
  }

  constructor(private readonly options: SparkSubmitStepRunnerOptions) {
    this.python = options.python ?? resolve(this.packageRoot, '.venv', 'bin', 'python');
  }

  /** The full command (spark-submit path first) this runner starts for `spec`. */
  command(spec: StepSpec): string[] {
    const { projectRoot, lakeDir, config } = this.options;
    // Plain `file://` + absolute path, not pathToFileURL: Hadoop's Path does not percent-decode.
    const args = sparkSubmitArgs({
      spec,
      lakeRoot: `file://${resolve(lakeDir)}/`,
      sqlUri: `file://${resolve(projectRoot, spec.stageSql)}`,
      driverUri: resolve(this.packageRoot, 'spark', 'jobs', 'lakestep_driver.py'),
      config,
      master: 'local[2]',
      extraConf: LOCAL_SPARK_CONF,
    });
    return [resolve(dirname(this.python), 'spark-submit'), ...args.slice(1)];
  }

  /**
   * Starts spark-submit and returns at once; describe() follows the child process.
   * @throws ConfigError / InputError from sparkSubmitArgs (unknown dataset, bad lake path)
   */
  async submit(spec: StepSpec): Promise<{ stepId: string }> {
    const [program, ...args] = this.command(spec);
    const stepId = `spark-${spec.groupId}-${++this.seq}`;
    const exit = { resolve: () => undefined as void };
    const exited = new Promise<void>((resolve) => (exit.resolve = resolve));
    const step: RunningStep = { state: 'RUNNING', tail: [], exited, stop: () => undefined };
    this.steps.set(stepId, step);
    const child = spawn(program, args, {
      cwd: this.packageRoot,
      // Both streams: spark-submit runs the Python driver with its stderr merged into the JVM's stdout,
      // so the driver's traceback and error line arrive there, Spark's own log on stderr.
      stdio: ['ignore', 'pipe', 'pipe'],
      env: localSparkEnv(this.python),
    });
    const partial = { stdout: '', stderr: '' };
    for (const name of ['stdout', 'stderr'] as const) {
      child[name].setEncoding('utf8');
      child[name].on('data', (chunk: string) => {
        const lines = (partial[name] + chunk).split('\n');
        partial[name] = lines.pop() ?? '';
        // log4j's INFO lines drown the Python traceback and the driver's own error line.
        for (const line of lines) {
          if (line.startsWith(DRIVER_ERROR)) step.driverError = line.slice(DRIVER_ERROR.length);
          if (line.trim() && !/^\S+ \S+ INFO /.test(line)) step.tail.push(line);
        }
        if (step.tail.length > TAIL_LINES) step.tail.splice(0, step.tail.length - TAIL_LINES);
      });
    }
    step.stop = () => child.kill('SIGTERM');
    child.on('error', (err) => {
      exit.resolve();
      step.state = 'FAILED';
      step.failureMessage = `could not start ${program}: ${err.message}; create the venv with: node scripts/ensure-python.js`;
    });
    child.on('close', (code, signal) => {
      exit.resolve();
      for (const rest of [partial.stdout, partial.stderr]) if (rest.trim()) step.tail.push(rest);
      if (step.state !== 'RUNNING') return;
      if (code === 0) {
        step.state = 'COMPLETED';
        return;
      }
      step.state = 'FAILED';
      const how = signal ? `killed by ${signal}` : `exited with code ${code}`;
      // the driver's error says what failed (a stage SQL error: the file and its line); Spark's log
      // lines after it (plans spread over many lines) would push it out of the tail
      step.failureMessage = `spark-submit ${how}: ${step.driverError ?? step.tail.slice(-MESSAGE_LINES).join('\n')}`;
    });
    return { stepId };
  }

  /**
   * Ends the work of an interrupted run: SIGTERM to every running spark-submit, then resolves once
   * each has exited (a publish it cut short is journaled and recovered by the next run).
   */
  async stop(): Promise<void> {
    const running = [...this.steps.values()].filter((step) => step.state === 'RUNNING');
    for (const step of running) step.stop();
    await Promise.all(running.map((step) => step.exited));
  }

  /**
   * Cancels a running step (past its deadline): SIGTERM to its spark-submit; describe says CANCELLED at once.
   * @returns `ended` when it had ended already
   * @throws InputError for a step id this runner did not start
   */
  async cancel(stepId: string): Promise<'cancelling' | 'ended'> {
    const step = this.steps.get(stepId);
    if (!step)
      throw new InputError('stepId', `${JSON.stringify(stepId)} was not started by this SparkSubmitStepRunner`);
    if (step.state !== 'RUNNING') return 'ended';
    step.state = 'CANCELLED';
    step.failureMessage = 'spark-submit cancelled (SIGTERM)';
    step.stop();
    return 'cancelling';
  }

  /** @throws InputError for a step id this runner did not start */
  async describe(stepId: string): Promise<StepStatus> {
    const step = this.steps.get(stepId);
    if (!step)
      throw new InputError('stepId', `${JSON.stringify(stepId)} was not started by this SparkSubmitStepRunner`);
    return { stepId, state: step.state, ...(step.failureMessage ? { failureMessage: step.failureMessage } : {}) };
  }
}
