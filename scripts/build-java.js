#!/usr/bin/env node
/**
 * Builds spark/jars/lakestep-spark.jar, the Java helper of the PySpark driver (spark/java/: the raw
 * file splitter UDF), with the JDK's javac against the jars of the venv's pyspark wheel (the Spark the
 * driver runs on; EMR ships the same release). Compiled with `--release 8` so every JVM EMR 7 offers
 * (17 by default, 8 and 11 on request) loads it. The jar is reproducible (fixed entry dates), so a
 * deploy of unchanged sources uploads identical bytes.
 *
 * Skips the build when the jar is newer than every source (`--force` rebuilds). Needs `javac` and `jar`
 * (Debian: openjdk-17-jdk-headless; .ci/run installs it) and the venv (node scripts/ensure-python.js).
 * Exit code 1 with a message when either is missing or javac fails.
 */
'use strict';

const { execFileSync } = require('node:child_process');
const { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join, resolve } = require('node:path');

const ROOT = resolve(__dirname, '..');
const SOURCES = join(ROOT, 'spark', 'java', 'src', 'main', 'java');
const JAR = join(ROOT, 'spark', 'jars', 'lakestep-spark.jar');

function javaSources(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? javaSources(join(dir, d.name)) : d.name.endsWith('.java') ? [join(dir, d.name)] : [],
  );
}

/** The pyspark wheel's jars folder in the venv (python3.X varies). */
function pysparkJars() {
  const lib = join(ROOT, '.venv', 'lib');
  const python = existsSync(lib)
    ? readdirSync(lib).find((d) => existsSync(join(lib, d, 'site-packages', 'pyspark', 'jars')))
    : undefined;
  if (!python) throw new Error(`no pyspark jars under ${lib}; create the venv first: node scripts/ensure-python.js`);
  return join(lib, python, 'site-packages', 'pyspark', 'jars');
}

function tool(name) {
  const home = process.env.JAVA_HOME;
  const candidate = home ? join(home, 'bin', name) : name;
  try {
    execFileSync(candidate, ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error(
      `${name} not found (a JDK is needed, not only a JRE): apt-get install openjdk-17-jdk-headless, or set JAVA_HOME`,
    );
  }
  return candidate;
}

/** Builds the jar unless up to date; returns its path. */
function buildJar({ force = false } = {}) {
  const sources = javaSources(SOURCES);
  if (!force && existsSync(JAR)) {
    const built = statSync(JAR).mtimeMs;
    if (sources.every((s) => statSync(s).mtimeMs <= built) && statSync(__filename).mtimeMs <= built) return JAR;
  }
  const javac = tool('javac');
  const jar = tool('jar');
  const classes = mkdtempSync(join(tmpdir(), 'lakestep-classes-'));
  try {
    execFileSync(
      javac,
      ['--release', '8', '-nowarn', '-encoding', 'UTF-8', '-cp', join(pysparkJars(), '*'), '-d', classes, ...sources],
      { stdio: 'inherit' },
    );
    mkdirSync(join(ROOT, 'spark', 'jars'), { recursive: true });
    rmSync(JAR, { force: true });
    execFileSync(jar, ['--create', '--file', JAR, '--date=1980-01-01T00:00:02Z', '--no-manifest', '-C', classes, '.'], {
      stdio: 'inherit',
    });
  } finally {
    rmSync(classes, { recursive: true, force: true });
  }
  return JAR;
}

module.exports = { buildJar, JAR };

if (require.main === module) {
  try {
    const path = buildJar({ force: process.argv.includes('--force') });
    process.stderr.write(`built ${path}\n`);
  } catch (err) {
    process.stderr.write(`build-java: ${err.message}\n`);
    process.exit(1);
  }
}
