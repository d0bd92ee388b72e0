/**
 * How often CheckStep polls a step, when a step is past its deadline, and what that costs in Step Functions
 * history events. Pure: the clock is an argument.
 *
 * Polls back off: a step is first checked 30 s after launch, then every half of its age so far (each wait
 * ×1.5), at most every 300 s, and never past its deadline. A daily step of a few minutes is seen done within
 * about half its run time; a 2-hour step costs ~30 polls instead of 240 at a fixed 30 s.
 */

/** s: the first wait after launch (the Wait state WaitForStepStart says so too: a test checks both) and the least between polls */
export const MIN_POLL_SECONDS = 30;
/** s: the most between polls (Step Functions' own .sync EMR integration settles at 300 s as well) */
export const MAX_POLL_SECONDS = 300;

/** Step Functions' hard limit of history events for one Standard execution. */
export const EXECUTION_HISTORY_LIMIT = 25_000;
/**
 * The part of that limit the step groups may use; the rest is for the states around the Map (lock, discover,
 * crawler polls, commit, the failure path) and Lambda retries.
 */
export const STEP_HISTORY_BUDGET = 20_000;
/** History events of one poll: Wait (entered, exited), the CheckStep Lambda Task (5), the StepDone Choice (2). */
export const EVENTS_PER_POLL = 9;
/** History events of a group besides its polls: Map iteration (2), the LaunchStep Lambda Task (5), GroupEnded (2). */
export const EVENTS_PER_GROUP = 9;

/**
 * Seconds CheckStep's result asks the next Wait to last.
 * @param ageSeconds s since the step was launched (≥ 0)
 * @param secondsToDeadline s left before the step's deadline; the wait ends at the deadline, so the poll that
 *   cancels it comes on time (at least 1 s)
 * @example nextPollSeconds(30) // 30; nextPollSeconds(200) // 100; nextPollSeconds(3000) // 300; nextPollSeconds(3000, 40) // 40
 */
export function nextPollSeconds(ageSeconds: number, secondsToDeadline?: number): number {
  const backoff = Math.min(MAX_POLL_SECONDS, Math.max(MIN_POLL_SECONDS, Math.ceil(ageSeconds / 2)));
  return secondsToDeadline === undefined ? backoff : Math.max(1, Math.min(backoff, Math.ceil(secondsToDeadline)));
}

/**
 * The most polls a step with this timeout can take: the polls of the schedule above until one comes at or past
 * the deadline (that one cancels it). Real polls come later than the schedule (Lambda and state latency),
 * which only makes the next waits longer, so this is an upper bound.
 * @param timeoutSeconds s from launch to the deadline (> 0)
 * @example maxPollsOfStep(7200) // 30 (2 hours)
 */
export function maxPollsOfStep(timeoutSeconds: number): number {
  let age = MIN_POLL_SECONDS;
  let polls = 1;
  while (age < timeoutSeconds) {
    age += nextPollSeconds(age, timeoutSeconds - age);
    polls += 1;
  }
  return polls;
}

/** The most history events one step group adds to its execution, for a step with this timeout (s). */
export const historyEventsOfGroup = (timeoutSeconds: number) =>
  EVENTS_PER_GROUP + EVENTS_PER_POLL * maxPollsOfStep(timeoutSeconds);

/**
 * How many step groups fit one execution's history when every step may run to its deadline.
 * @example maxGroupsInHistory(7200) // 71
 */
export const maxGroupsInHistory = (timeoutSeconds: number) =>
  Math.floor(STEP_HISTORY_BUDGET / historyEventsOfGroup(timeoutSeconds));

/** Whether a launched step is past its deadline (ms since epoch) at `nowMs`; a step with no deadline never is. */
export const pastDeadline = (deadlineMs: number | undefined, nowMs: number) =>
  deadlineMs !== undefined && nowMs >= deadlineMs;
