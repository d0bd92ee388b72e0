/**
 * The Spark artifacts a deploy uploads: which files of `spark/`, under which version, at which keys of the
 * artifacts bucket. Pure apart from listSparkFiles; deploy/deploy.ts does the git, S3 and serverless calls.
 *
 * Layout: `s3://<artifacts bucket>/spark/<version>/sql/<stage>.sql`, `…/jobs/<module>.py` and the driver's Java
 * helper `…/jars/lakestep-spark.jar` (built by scripts/build-java.js, not in git), which is what
 * EmrStepRunner derives from ARTIFACTS_URI (`s3://<artifacts bucket>/spark/<version>/`). A version is
 * written once and never overwritten or deleted, so a rerun of an old execution still finds its code.
 */
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { LakestepError } from '../src/core/errors';
import { HELPER_JAR } from '../src/core/sparkSubmitArgs';

/** The artifacts of a version live under this prefix of the artifacts bucket. */
export const ARTIFACTS_PREFIX = 'spark/';

/** Files of spark/ that EMR needs: the stage SQL, the driver's modules and its jar (not tests, sources, caches or requirements). */
const SHIPPED = [/^sql\/[a-z0-9_]+\.sql$/, /^jobs\/[A-Za-z0-9_]+\.py$/, /^jars\/[A-Za-z0-9_.-]+\.jar$/];

/** Versions are path segments and appear in ARTIFACTS_URI: keep them to these characters. */
const VERSION = /^[0-9A-Za-z][0-9A-Za-z.+_-]{0,99}$/;

/**
 * `<package version>-<git short commit>`, plus `-dirty-<content hash>` when spark/ has uncommitted changes
 * (so two different uncommitted trees never share a version).
 * @example artifactsVersion({ packageVersion: '0.1.0', commit: 'ab12cd3' }) // '0.1.0-ab12cd3'
 * @example artifactsVersion({ packageVersion: '0.1.0', commit: 'ab12cd3', dirtyContentHash: '1a2b3c4d5e' }) // '0.1.0-ab12cd3-dirty-1a2b3c4d'
 * @throws LakestepError when the commit is not a hex short hash or the result is not a safe path segment
 */
export function artifactsVersion(opts: { packageVersion: string; commit: string; dirtyContentHash?: string }): string {
  if (!/^[0-9a-f]{7,40}$/.test(opts.commit)) {
    throw new LakestepError(
      `git commit "${opts.commit}" is not a hex commit hash (expected e.g. ab12cd3 from git rev-parse --short HEAD)`,
    );
  }
  const version = `${opts.packageVersion}-${opts.commit}${opts.dirtyContentHash ? `-dirty-${opts.dirtyContentHash.slice(0, 8)}` : ''}`;
  if (!VERSION.test(version))
    throw new LakestepError(
      `artifacts version "${version}" is not a safe S3 path segment (expected [0-9A-Za-z.+_-], ≤ 100 chars)`,
    );
  return version;
}

/**
 * The version of a project's artifacts when lakestep has no commit for them (a project outside this
 * checkout): the package version and the first 12 hex digits of their content hash, so the same content
 * always gets the same version and different content never shares one.
 * @example projectArtifactsVersion('0.1.0', 'ab12cd34ef56…') // '0.1.0-cab12cd34ef56'
 * @throws LakestepError when the hash is not hex
 */
export function projectArtifactsVersion(packageVersion: string, sha256: string): string {
  if (!/^[0-9a-f]{12,}$/.test(sha256)) throw new LakestepError(`content hash "${sha256}" is not a sha256 hex digest`);
  const version = `${packageVersion}-c${sha256.slice(0, 12)}`;
  if (!VERSION.test(version))
    throw new LakestepError(`artifacts version "${version}" is not a safe S3 path segment (expected [0-9A-Za-z.+_-])`);
  return version;
}

export interface Upload {
  /** relative to spark/, `/`-separated, e.g. `sql/access_records.sql` */
  path: string;
  /** the artifacts-bucket key, e.g. `spark/0.1.0-ab12cd3/sql/access_records.sql` */
  key: string;
}

/**
 * The uploads of one version, sorted by key; files EMR does not need are left out.
 * @param paths relative to spark/, e.g. `['sql/access_records.sql', 'jobs/lakestep_driver.py', 'tests/test_cli.py']`
 * @throws LakestepError when nothing is left to ship, or the driver, its jar or every stage SQL is missing
 */
export function artifactUploads(paths: string[], version: string): Upload[] {
  if (!VERSION.test(version)) throw new LakestepError(`artifacts version "${version}" is not a safe S3 path segment`);
  const shipped = paths.map((p) => p.split('\\').join('/')).filter((p) => SHIPPED.some((re) => re.test(p)));
  if (!shipped.includes('jobs/lakestep_driver.py'))
    throw new LakestepError('spark/jobs/lakestep_driver.py is missing: nothing to run the steps with');
  if (!shipped.includes(HELPER_JAR))
    throw new LakestepError(`spark/${HELPER_JAR} is missing: build it with npm run build:java (needs a JDK)`);
  if (!shipped.some((p) => p.startsWith('sql/'))) throw new LakestepError('spark/sql/ has no stage SQL file');
  return shipped
    .map((path) => ({ path, key: `${ARTIFACTS_PREFIX}${version}/${path}` }))
    .sort((a, b) => a.key.localeCompare(b.key));
}

/** `s3://<bucket>/spark/<version>/`: the ARTIFACTS_URI the Lambdas get. */
export const artifactsUri = (bucket: string, version: string) => `s3://${bucket}/${ARTIFACTS_PREFIX}${version}/`;

/** sha256 hex over the sorted (path, content) pairs: what a version's manifest records. */
export function contentHash(files: { path: string; bytes: Buffer }[]): string {
  const hash = createHash('sha256');
  for (const f of [...files].sort((a, b) => a.path.localeCompare(b.path)))
    hash.update(`${f.path}\0${f.bytes.length}\0`).update(f.bytes);
  return hash.digest('hex');
}

/**
 * What a deploy ships, by artifact path: lakestep's driver and jar (`<packageRoot>/spark/jobs|jars/`) and the
 * project's stage SQL (`<projectDir>/spark/sql/`), each with the file it comes from.
 * @example sparkArtifactSources('/lakestep', '/lakestep/examples/synapse') // [{ path: 'jobs/lakestep_driver.py', file: '/lakestep/spark/jobs/lakestep_driver.py' }, { path: 'sql/access_records.sql', file: '/lakestep/examples/synapse/spark/sql/access_records.sql' }, …]
 */
export function sparkArtifactSources(packageRoot: string, projectDir: string): { path: string; file: string }[] {
  const from = (root: string, keep: (path: string) => boolean) =>
    listSparkFiles(join(root, 'spark'))
      .filter(keep)
      .map((path) => ({ path, file: join(root, 'spark', ...path.split('/')) }));
  return [...from(packageRoot, (p) => !p.startsWith('sql/')), ...from(projectDir, (p) => p.startsWith('sql/'))];
}

/** Every file under `sparkDir`, relative and `/`-separated (the caller filters with artifactUploads). */
export function listSparkFiles(sparkDir: string): string[] {
  return (readdirSync(sparkDir, { recursive: true, withFileTypes: true }) as import('node:fs').Dirent[])
    .filter((d) => d.isFile())
    .map((d) =>
      relative(sparkDir, join(d.parentPath ?? (d as unknown as { path: string }).path, d.name))
        .split('\\')
        .join('/'),
    );
}
