#!/usr/bin/env node
/**
 * Makes sure `.venv/` holds the PySpark driver's Python dependencies (spark/requirements.txt).
 *
 * - python3 or java missing: prints what to install and exits 1.
 * - `.venv` missing: creates it and installs the requirements.
 * - requirements changed since the last install (sha256 stored in `.venv/.lakestep-requirements.sha256`):
 *   installs them again.
 * - otherwise: prints that the venv is up to date and exits 0 at once.
 *
 * Plain Node, no dependencies: `npm test` and `.ci/run` call it before anything is installed.
 * Usage: node scripts/ensure-python.js [--check]   (--check: exit 1 instead of installing)
 */
'use strict';

const { spawnSync } = require('node:child_process');
const { createHash } = require('node:crypto');
const { existsSync, readFileSync, writeFileSync } = require('node:fs');
const { resolve } = require('node:path');

const ROOT = resolve(__dirname, '..');
const VENV = resolve(ROOT, '.venv');
const REQUIREMENTS = resolve(ROOT, 'spark', 'requirements.txt');
const STAMP = resolve(VENV, '.lakestep-requirements.sha256');
const VENV_PYTHON = resolve(VENV, 'bin', 'python');

function say(message) {
  process.stderr.write(`ensure-python: ${message}\n`);
}

function fail(message) {
  say(`error: ${message}`);
  process.exit(1);
}

/** Runs a command; returns { ok, out } without throwing (missing program → ok false). */
function probe(program, args) {
  const result = spawnSync(program, args, { encoding: 'utf8' });
  return { ok: !result.error && result.status === 0, out: `${result.stdout || ''}${result.stderr || ''}`.trim() };
}

function run(program, args) {
  say(`$ ${[program, ...args].join(' ')}`);
  const result = spawnSync(program, args, { stdio: 'inherit', cwd: ROOT });
  if (result.error || result.status !== 0) {
    fail(`${program} ${args.join(' ')} failed (${result.error ? result.error.message : `exit ${result.status}`})`);
  }
}

function main() {
  const check = process.argv.includes('--check');
  const python = probe('python3', ['--version']);
  if (!python.ok)
    fail(
      'python3 not found on PATH: install Python 3.9–3.12 with venv (Debian/Ubuntu: apt-get install python3 python3-venv)',
    );
  const java = probe('java', ['-version']);
  if (!java.ok)
    fail('java not found on PATH: Spark 3.5 needs Java 17 (Debian/Ubuntu: apt-get install openjdk-17-jre-headless)');
  if (!existsSync(REQUIREMENTS)) fail(`${REQUIREMENTS} not found (run from a lakestep checkout)`);

  const wanted = createHash('sha256').update(readFileSync(REQUIREMENTS)).digest('hex');
  const haveVenv = existsSync(VENV_PYTHON);
  const stamped = haveVenv && existsSync(STAMP) ? readFileSync(STAMP, 'utf8').trim() : undefined;
  if (haveVenv && stamped === wanted) {
    say(`.venv is up to date with spark/requirements.txt (${python.out}, ${java.out.split('\n')[0]})`);
    return;
  }
  const why = !haveVenv
    ? '.venv is missing'
    : stamped
      ? 'spark/requirements.txt changed since .venv was made'
      : '.venv has no record of its requirements';
  if (check) fail(`${why}; run: node scripts/ensure-python.js`);
  say(`${why}: installing`);
  if (!haveVenv) run('python3', ['-m', 'venv', VENV]);
  run(VENV_PYTHON, ['-m', 'pip', 'install', '--disable-pip-version-check', '-q', '-r', REQUIREMENTS]);
  writeFileSync(STAMP, `${wanted}\n`);
  say('.venv is ready');
}

main();
