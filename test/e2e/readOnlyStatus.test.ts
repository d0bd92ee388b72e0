/**
 * `lakestep status` on a read-only lake (a mounted snapshot, an archive made read-only): it reads,
 * so it must work without the write lock of the ledger store, and leave the lake as it was.
 * The lake is made read-only with `chmod -R a-w`; as root (where the mode bits do not bite) the
 * status child runs as the unprivileged user `nobody` (uid 65534) instead.
 */
import { chmodSync, readdirSync, rmSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { executeStateMachine } from '../../src/local/executeStateMachine';
import { withLocalRuntime } from '../../src/local/localRuntime';
import { generateSample } from '../../examples/synapse/sample/generate';
import { snapshotFiles, tmpLake } from '../helpers/lake';

const NOBODY = 65534;
const asRoot = process.getuid?.() === 0;
const BIN = join(__dirname, '..', '..', 'bin', 'lakestep.js');
/** As root, `nobody` must reach node and this checkout (a clone under a 0700 folder, e.g. mktemp -d, it cannot). */
const nobodyCanRun =
  !asRoot ||
  spawnSync(
    process.execPath,
    ['-e', `require('fs').accessSync(${JSON.stringify(BIN)}, require('fs').constants.R_OK)`],
    {
      uid: NOBODY,
      gid: NOBODY,
    },
  ).status === 0;
if (!nobodyCanRun)
  console.warn(`readOnlyStatus skipped: as root the test runs status as nobody, who cannot read ${BIN}`);

/** chmod every file and folder under `dir` (and `dir`): folders get `dirMode`, files `fileMode`. */
function chmodTree(dir: string, dirMode: number, fileMode: number): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) chmodTree(path, dirMode, fileMode);
    else chmodSync(path, fileMode);
  }
  chmodSync(dir, dirMode);
}

(nobodyCanRun ? describe : describe.skip)('lakestep status on a read-only lake', () => {
  const lake = tmpLake('read-only');
  beforeAll(async () => {
    await generateSample({
      lakeDir: lake,
      days: 1,
      start: '2024-03-01',
      recordsPerHour: 20,
      seed: 5,
      datasets: ['access_records'],
    });
    await withLocalRuntime({ lakeDir: lake, alertStream: new PassThrough() }, (runtime) =>
      executeStateMachine(runtime, { datasets: ['access_records'] }),
    );
    chmodTree(lake, 0o555, 0o444); // chmod -R a-w (and readable by everyone, for `nobody`)
  }, 300_000);
  afterAll(() => {
    chmodTree(lake, 0o755, 0o644);
    rmSync(lake, { recursive: true, force: true });
  });

  it('shows the ledger and changes nothing', () => {
    const before = snapshotFiles(lake);

    const status = spawnSync(process.execPath, [BIN, 'status', '--lake', lake], {
      encoding: 'utf8',
      timeout: 120_000,
      ...(asRoot ? { uid: NOBODY, gid: NOBODY } : {}),
    });

    expect(statSync(lake).mode & 0o222).toBe(0);
    expect(status.stderr).toBe('');
    expect(status.status).toBe(0);
    expect(status.stdout).toMatch(/access_records \(stage version \w+\)\n {2}ok {11}2024-02-29…2024-03-02/);
    expect(status.stdout).toMatch(/last run: run-\S+ SUCCEEDED/);
    expect(snapshotFiles(lake)).toEqual(before);
  });
});
