/**
 * EMR 7 runs the PySpark driver on Python 3.9 (EMR_RELEASE.python) while the venv here may be newer: vermin
 * (spark/requirements.txt) reads the driver's modules and names the lowest Python each construct needs.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { EMR_RELEASE } from '../../src/config/emrRelease';
import { PACKAGE_ROOT } from '../../src/config/config';

const VERMIN = resolve(PACKAGE_ROOT, '.venv/bin/vermin');

/** vermin's verdict on `path`: exit code and the minimum it reports, e.g. `{ code: 0, minimum: '3.7' }`. */
async function vermin(path: string): Promise<{ code: number; minimum: string | undefined; output: string }> {
  // --eval-annotations: annotations count too (`list[str]` is 3.9 where they are evaluated)
  const args = [`-t=${EMR_RELEASE.python}-`, '--no-tips', '--violations', '--eval-annotations', path];
  const { code, output } = await promisify(execFile)(VERMIN, args, { cwd: PACKAGE_ROOT }).then(
    (r) => ({ code: 0, output: r.stdout + r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, output: `${e.stdout}${e.stderr}` }),
  );
  return { code, minimum: /Minimum required versions:\s*(\S+)/.exec(output)?.[1], output };
}

const versionAtMost = (a: string, b: string) => {
  const [x, y] = [a, b].map((v) => v.split('.').map(Number));
  return x[0] < y[0] || (x[0] === y[0] && (x[1] ?? 0) <= (y[1] ?? 0));
};

describe(`the PySpark driver on ${EMR_RELEASE.label}'s Python ${EMR_RELEASE.python}`, () => {
  it('needs no Python newer than the release runs (vermin over spark/jobs)', async () => {
    const { code, minimum, output } = await vermin('spark/jobs');

    expect([code, output]).toEqual([0, expect.any(String)]);
    expect(minimum).toBeDefined();
    expect(versionAtMost(minimum!, EMR_RELEASE.python)).toBe(true);
  }, 60_000);

  it('is a real check: a module using 3.10 syntax (match) fails it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lakestep-vermin-'));
    const file = join(dir, 'newer.py');
    writeFileSync(
      file,
      'def kind(x):\n    match x:\n        case 1:\n            return "one"\n        case _:\n            return "other"\n',
    );

    try {
      const { code, minimum } = await vermin(file);

      expect(code).not.toBe(0);
      expect(minimum).toBe('3.10');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
