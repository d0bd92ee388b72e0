import { createHash } from 'node:crypto';
import { stageVersion } from '../../../src/core/stageVersion';

describe('stageVersion', () => {
  it('is the first 12 hex characters of the sha256 of the SQL', () => {
    const sql = 'SELECT 1 AS one\n';

    const version = stageVersion(sql);

    expect(version).toBe(createHash('sha256').update(sql).digest('hex').slice(0, 12));
    expect(version).toMatch(/^[0-9a-f]{12}$/);
  });

  it('is the same whatever the line endings (a Windows checkout)', () => {
    const unix = '-- stage\nSELECT 1\nFROM t\n';

    const versions = [unix, unix.replace(/\n/g, '\r\n'), unix.replace(/\n/g, '\r')].map(stageVersion);

    expect(new Set(versions).size).toBe(1);
  });

  it.each([
    ['a comment', '-- note\nSELECT 1\n'],
    ['whitespace', 'SELECT  1\n'],
    ['a trailing newline', 'SELECT 1\n\n'],
  ])('changes with %s (any edit is a new version)', (_, edited) => {
    const before = stageVersion('SELECT 1\n');

    const after = stageVersion(edited);

    expect(after).not.toBe(before);
  });
});
