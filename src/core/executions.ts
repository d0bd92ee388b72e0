/**
 * Cuts one execution's share out of a long run, so that an execution stays far below Step Functions'
 * history limit; the plan itself is core/plan's.
 */
import { InputError } from './errors';
import { type PlanArgs, planDirtyDays } from './plan';
import { compareText } from './rawKeys';
import type { Plan } from './types';

/**
 * planDirtyDays, cut to at most `maxSteps` step groups so that one execution stays far below Step
 * Functions' 25,000 history events (every group's poll loop adds ~9 events per poll: design.md).
 * When the whole run needs more groups, this execution takes the earliest days: the latest `until`
 * (a planned day) whose plan has at most `maxSteps` groups, but never one whose plan would leave the
 * next execution where this one started, so a chain always ends:
 * - a forced backfill goes on from the day after `until` (core/input continuationInput): any cut
 *   progresses;
 * - other runs plan again from the ledger (an unforced backfill from 2 × lateness before the cut),
 *   so the cut must commit something: a raw partition wholly covered (the first raw-fed day +
 *   2 × lateness, at least), a removed one, or a stale day.
 * That floor may need more than `maxSteps` groups (the aggregates following those days come along).
 * The rest is `deferred`. Raw partitions reaching past `until` are not committed here: the next
 * execution plans the days at the cut again (idempotent) and commits them. Aggregates still follow the upstream days planned. Reruns are never cut (their days
 * are an earlier execution's failed days, already one execution's worth); nor is a plan whose every
 * cut would commit nothing.
 * @throws InputError as planDirtyDays, or when maxSteps < 1
 * @example planExecution(args, 20) // a 3-year backfill at 7 days a step: ~140 days, deferred: { until, days }
 */
export function planExecution(args: PlanArgs, maxSteps: number): Plan {
  if (!Number.isInteger(maxSteps) || maxSteps < 1)
    throw new InputError('maxStepsPerExecution', `${maxSteps} is not a whole number ≥ 1`);
  const full = planDirtyDays(args);
  if (full.groups.length <= maxSteps || args.input.mode === 'rerun') return full;
  const candidates = [...new Set(full.days.map((d) => d.day))].sort(compareText);
  // the searches below ask for the same cut more than once (the floor, the bisection, the answer)
  const plans = new Map<number, Plan>();
  const planUntil = (k: number) => {
    if (!plans.has(k)) plans.set(k, planDirtyDays({ ...args, until: candidates[k] }));
    return plans.get(k)!;
  };
  const progresses = (plan: Plan) =>
    args.input.force ||
    plan.rawPartitions.length > 0 ||
    plan.removedRawDays.length > 0 ||
    plan.days.some((d) => d.reasons.some((r) => r.kind === 'stale'));
  // A cut must hold a day planned for its own sake: one reached only from upstream (an aggregate's
  // Monday before a backfill's range) moves nothing on.
  const firstOwn = full.days
    .filter((d) => d.reasons.some((r) => r.kind !== 'upstream'))
    .map((d) => d.day)
    .sort(compareText)[0];
  const ownFloor = firstOwn === undefined ? 0 : candidates.indexOf(firstOwn);
  // Both searches rely on monotony: a later `until` plans a superset of days, so it covers more
  // raw partitions and needs at least as many groups.
  const floor = lowestIndex(candidates.length, (k) => k >= ownFloor && progresses(planUntil(k)));
  if (floor === undefined) return full;
  let best = floor;
  for (let low = floor + 1, high = candidates.length - 1; low <= high; ) {
    const mid = (low + high) >> 1;
    if (planUntil(mid).groups.length <= maxSteps) {
      best = mid;
      low = mid + 1;
    } else high = mid - 1;
  }
  const plan = planUntil(best);
  const kept = new Set(plan.days.map((d) => `${d.dataset}|${d.day}`));
  const left = full.days.filter((d) => !kept.has(`${d.dataset}|${d.day}`)).length;
  return left === 0 ? full : { ...plan, deferred: { until: candidates[best], days: left } };
}

/** The lowest k in [0, n) for which `holds` (monotone: false … false true … true), or undefined. */
function lowestIndex(n: number, holds: (k: number) => boolean): number | undefined {
  let found: number | undefined;
  for (let low = 0, high = n - 1; low <= high; ) {
    const mid = (low + high) >> 1;
    if (holds(mid)) {
      found = mid;
      high = mid - 1;
    } else low = mid + 1;
  }
  return found;
}
