import { createHash } from 'node:crypto';
import { normaliseSql, stageVersion } from '../../../src/core/stageVersion';

describe('stageVersion', () => {
  it('is the first 12 hex characters of the sha256 of the normalised SQL', () => {
    const sql = 'SELECT 1 AS one\n';

    const version = stageVersion(sql);

    expect(version).toBe(createHash('sha256').update('SELECT 1 AS one').digest('hex').slice(0, 12));
    expect(version).toMatch(/^[0-9a-f]{12}$/);
  });

  it('is the same whatever the line endings (a Windows checkout)', () => {
    const unix = '-- stage\nSELECT 1\nFROM t\n';

    const versions = [unix, unix.replace(/\n/g, '\r\n'), unix.replace(/\n/g, '\r')].map(stageVersion);

    expect(new Set(versions).size).toBe(1);
  });

  it.each([
    ['a line comment', '-- note\nSELECT 1\n'],
    ['a trailing comment', 'SELECT 1 -- one\n'],
    ['a block comment', 'SELECT /* the\nanswer */ 1\n'],
    ['whitespace', 'SELECT  1\n'],
    ['indentation and blank lines', '\n\nSELECT\n    1\n\n'],
  ])('stays the same with %s (no day turns stale for it)', (_, edited) => {
    const before = stageVersion('SELECT 1\n');

    const after = stageVersion(edited);

    expect(after).toBe(before);
  });

  it.each([
    ['a keyword', 'SELECT 2\n'],
    ['spaces inside a literal', "SELECT 'a  b'\n"],
    ['a -- inside a literal', "SELECT 'a -- b'\n"],
  ])('changes with %s', (_, edited) => {
    const before = stageVersion("SELECT 'a b'\n");

    const after = stageVersion(edited);

    expect(after).not.toBe(before);
  });
});

describe('normaliseSql', () => {
  it('keeps quoted text verbatim, doubled quotes included, and drops comments around it', () => {
    expect(normaliseSql("SELECT 'it''s  -- not a comment' AS \"a  b\" -- a comment\nFROM t /* x */ WHERE  1=1")).toBe(
      "SELECT 'it''s  -- not a comment' AS \"a  b\" FROM t WHERE 1=1",
    );
  });
});
