/** Why a day is planned: the order reasons are listed in, and the one line that describes each. */
import { compareText } from './rawKeys';
import type { DirtyReason } from './types';

/** Order reasons appear in within a day: the raw-data reasons first, by raw day, then the run's own. */
const REASON_ORDER: DirtyReason['kind'][] = [
  'new_raw',
  'late_file',
  'removed_raw',
  'upstream',
  'forced',
  'stale',
  'rerun',
];

const reasonKey = (reason: DirtyReason): string =>
  `${REASON_ORDER.indexOf(reason.kind)}|${'rawDay' in reason ? reason.rawDay : 'table' in reason ? `${reason.table}|${reason.from}` : ''}`;

/** `reasons` in {@link REASON_ORDER}, then by raw day or upstream table (a new array). */
export function sortReasons(reasons: DirtyReason[]): DirtyReason[] {
  return [...reasons].sort((a, b) => compareText(reasonKey(a), reasonKey(b)));
}

/**
 * One line of why a day is planned, for `--dry-run` and progress output.
 * @example describeReason({ kind: 'late_file', rawDay: '2024-03-05' }) // 'a late file in arrival day 2024-03-05'
 */
export function describeReason(reason: DirtyReason): string {
  switch (reason.kind) {
    case 'new_raw':
      return `new raw data in arrival day ${reason.rawDay}`;
    case 'late_file':
      return `a late file in arrival day ${reason.rawDay}`;
    case 'removed_raw':
      return `raw arrival day ${reason.rawDay} was removed`;
    case 'forced':
      return 'forced';
    case 'stale':
      return `stale (made by stage version ${reason.producedBy}, current ${reason.current})`;
    case 'rerun':
      // the name (an ARN's last segment) is what the console, `report` and `rerun` show; a local ARN is made up
      return `rerun of execution ${reason.executionId.slice(reason.executionId.lastIndexOf(':') + 1)}`;
    case 'upstream':
      return reason.from === reason.to
        ? `${reason.table} ${reason.from} is recomputed`
        : `${reason.table} ${reason.from}…${reason.to} are recomputed`;
  }
}
