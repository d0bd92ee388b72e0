import { execFileSync } from 'node:child_process';
import { PACKAGE_ROOT } from '../../src/config/config';

/**
 * Validates SQL texts with dt-sql-parser's Spark SQL grammar; returns each text's error messages.
 *
 * Runs in a child Node process: dt-sql-parser's build uses ESM directory imports that neither jest's
 * module system nor Node's plain `require` loads, while tsx's loader (a project dependency) does.
 */
export function sparkSyntaxErrors(texts: Record<string, string>): Record<string, string[]> {
  const script = `
    require('tsx/cjs');
    const { SparkSQL } = require('dt-sql-parser');
    const texts = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
    const parser = new SparkSQL();
    const out = {};
    for (const [name, text] of Object.entries(texts)) {
      out[name] = parser.validate(text).map((e) => 'line ' + e.startLine + ':' + e.startColumn + ' ' + e.message);
    }
    process.stdout.write(JSON.stringify(out));`;
  const stdout = execFileSync(process.execPath, ['-e', script], {
    cwd: PACKAGE_ROOT,
    input: JSON.stringify(texts),
    encoding: 'utf8',
  });
  return JSON.parse(stdout) as Record<string, string[]>;
}
