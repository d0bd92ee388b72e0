/**
 * The version of a transform stage: a hash of its SQL file's tokens, recorded with every output day it
 * produces, so `lakestep status` can mark days made by an older SQL as stale.
 */
import { createHash } from 'node:crypto';

/** Hex characters kept of the sha256: 48 bits, ample for telling a file's revisions apart. */
export const STAGE_VERSION_LENGTH = 12;

/**
 * `sqlText` with its comments (`-- …` to the end of the line, `/* … *\/`) dropped and every run of
 * whitespace made one space, trimmed; quoted text ('…', "…", `…`) is kept verbatim, since a literal's
 * spaces and a `--` inside it are data.
 * @example normaliseSql("SELECT  1 -- one\n") === 'SELECT 1'
 */
export function normaliseSql(text: string): string {
  // a lone \r (old Mac) ends a line comment too
  const sqlText = text.replace(/\r\n?/g, '\n');
  let out = '';
  let i = 0;
  const space = () => {
    if (out && !out.endsWith(' ')) out += ' ';
  };
  while (i < sqlText.length) {
    const c = sqlText[i];
    if (c === "'" || c === '"' || c === '`') {
      // a doubled quote inside is the quote itself: the scan just restarts at it
      const end = sqlText.indexOf(c, i + 1);
      const stop = end < 0 ? sqlText.length : end + 1;
      out += sqlText.slice(i, stop);
      i = stop;
    } else if (sqlText.startsWith('--', i)) {
      const end = sqlText.indexOf('\n', i);
      i = end < 0 ? sqlText.length : end;
      space();
    } else if (sqlText.startsWith('/*', i)) {
      const end = sqlText.indexOf('*/', i + 2);
      i = end < 0 ? sqlText.length : end + 2;
      space();
    } else if (/\s/.test(c)) {
      space();
      i += 1;
    } else {
      out += c;
      i += 1;
    }
  }
  return out.trim();
}

/**
 * First 12 lower-case hex characters of the sha256 of `normaliseSql(sqlText)`: editing a comment,
 * re-indenting or changing line endings (a Windows checkout) keeps the version, so no day turns stale
 * for it; any change to a token (a keyword, a name, a literal) is a new version.
 * @example stageVersion('select 1 -- one\r\n') === stageVersion('select\n  1\n') // true
 */
export function stageVersion(sqlText: string): string {
  return createHash('sha256').update(normaliseSql(sqlText), 'utf8').digest('hex').slice(0, STAGE_VERSION_LENGTH);
}
