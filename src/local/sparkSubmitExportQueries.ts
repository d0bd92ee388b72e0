/**
 * Exports locally on the Spark engine (`lakestep run --engine spark`): the PySpark driver's export mode through
 * the venv's `spark-submit --master local[2]`, the code path the EMR export step runs. The ExportSpec is stored
 * in the lake where the export phase stores it on AWS; the driver writes the packages and its ExportResult.
 */
import { spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { PACKAGE_ROOT, type LakestepConfig } from '../config/config';
import { exportSpec, type ExportOutcome, type ExportResult, type ExportTarget } from '../core/exportSpec';
import type { ExportQueries, ObjectStore } from '../core/ports';
import { sparkSubmitExportArgs } from '../core/sparkSubmitArgs';
import { exportResultKey, exportSpecKey } from '../core/runKeys';
import { LOCAL_SPARK_CONF, localSparkEnv } from './sparkSubmitStepRunner';

export interface SparkSubmitExportQueriesOptions {
  /** the lake folder (laid out as the S3 bucket) */
  lakeDir: string;
  store: ObjectStore;
  config: Pick<LakestepConfig, 'datasets' | 'aggregates'>;
  /** lakestep itself: spark/jobs/ and .venv/; default PACKAGE_ROOT */
  packageRoot?: string;
}

/** stderr lines (not log4j's INFO) kept for the error of a driver that wrote no result */
const TAIL_LINES = 12;

export class SparkSubmitExportQueries implements ExportQueries {
  constructor(private readonly options: SparkSubmitExportQueriesOptions) {}

  /** The full command (spark-submit path first) for the ExportSpec stored at `exportSpecKey(executionId)`. */
  command(executionId: string): string[] {
    const root = this.options.packageRoot ?? PACKAGE_ROOT;
    const python = resolve(root, '.venv', 'bin', 'python');
    const lakeRoot = `file://${resolve(this.options.lakeDir)}/`; // Hadoop's Path does not percent-decode
    const args = sparkSubmitExportArgs({
      lakeRoot,
      exportSpecUri: lakeRoot + exportSpecKey(executionId),
      driverUri: resolve(root, 'spark', 'jobs', 'lakestep_driver.py'),
      master: 'local[2]',
      extraConf: LOCAL_SPARK_CONF,
    });
    return [resolve(dirname(python), 'spark-submit'), ...args.slice(1)];
  }

  /**
   * See ExportQueries.write: one spark-submit for all targets; waits for it.
   * @throws Error with the driver's last stderr lines when it wrote no ExportResult (it could not start, the store failed)
   */
  async write(executionId: string, targets: ExportTarget[]): Promise<Record<string, ExportOutcome>> {
    const { store, config } = this.options;
    await store.putJson(
      exportSpecKey(executionId),
      exportSpec(executionId, exportResultKey(executionId), targets, config),
    );
    const [program, ...args] = this.command(executionId);
    const root = this.options.packageRoot ?? PACKAGE_ROOT;
    const exit = await runToExit(program, args, root, localSparkEnv(resolve(root, '.venv', 'bin', 'python')));
    const result = exit.code === 0 ? await store.getJson<ExportResult>(exportResultKey(executionId)) : undefined;
    if (!result) throw new Error(`the Spark export driver ${exit.how}: ${exit.tail.join('\n')}`);
    return result.exports;
  }
}

/** Runs a process to its end; `tail`: its last stderr lines that are not log4j INFO. */
function runToExit(
  program: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; how: string; tail: string[] }> {
  return new Promise((done) => {
    const tail: string[] = [];
    const child = spawn(program, args, { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      for (const line of chunk.split('\n')) if (line.trim() && !/^\S+ \S+ INFO /.test(line)) tail.push(line);
      tail.splice(0, Math.max(0, tail.length - TAIL_LINES));
    });
    child.on('error', (err) => done({ code: null, how: `could not start (${err.message})`, tail }));
    child.on('close', (code, signal) =>
      done({ code, how: signal ? `was killed by ${signal}` : `exited with code ${code}`, tail }),
    );
  });
}
