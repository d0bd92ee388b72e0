/**
 * The version of a transform stage: a hash of its SQL file, recorded with every output day it produces,
 * so `lakestep status` can mark days made by an older SQL as stale.
 */
import { createHash } from 'node:crypto';

/** Hex characters kept of the sha256: 48 bits, ample for telling a file's revisions apart. */
export const STAGE_VERSION_LENGTH = 12;

/**
 * First 12 lower-case hex characters of the sha256 of `sqlText` after normalising line endings
 * (`\r\n` and lone `\r` → `\n`), so a checkout on Windows gives the same version.
 * Any other change (comments and whitespace included) is a new version.
 * @example stageVersion('select 1\r\n') === stageVersion('select 1\n') // true
 */
export function stageVersion(sqlText: string): string {
  const normalised = sqlText.replace(/\r\n?/g, '\n');
  return createHash('sha256').update(normalised, 'utf8').digest('hex').slice(0, STAGE_VERSION_LENGTH);
}
