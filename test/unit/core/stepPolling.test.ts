import {
  EXECUTION_HISTORY_LIMIT,
  historyEventsOfGroup,
  MAX_POLL_SECONDS,
  maxGroupsInHistory,
  maxPollsOfStep,
  MIN_POLL_SECONDS,
  nextPollSeconds,
  pastDeadline,
  STEP_HISTORY_BUDGET,
} from '../../../src/core/stepPolling';

/** The ages (s since launch) at which a step is polled until `untilSeconds`, with no deadline. */
function pollAges(untilSeconds: number): number[] {
  const ages = [MIN_POLL_SECONDS];
  while (ages[ages.length - 1] < untilSeconds)
    ages.push(ages[ages.length - 1] + nextPollSeconds(ages[ages.length - 1]));
  return ages;
}

describe('nextPollSeconds', () => {
  it('waits 30 s while the step is young, then half its age, at most 300 s', () => {
    expect(pollAges(1500)).toEqual([30, 60, 90, 135, 203, 305, 458, 687, 987, 1287, 1587]);
    expect(nextPollSeconds(0)).toBe(MIN_POLL_SECONDS);
    expect(nextPollSeconds(10_000)).toBe(MAX_POLL_SECONDS);
  });

  it('never waits past the deadline, and at least 1 s', () => {
    expect(nextPollSeconds(3000, 40)).toBe(40);
    expect(nextPollSeconds(3000, 0.2)).toBe(1);
    expect(nextPollSeconds(3000, -5)).toBe(1);
    expect(nextPollSeconds(30, 4000)).toBe(30);
  });
});

describe('maxPollsOfStep', () => {
  it('bounds the polls of a step by its timeout: 30 for 2 hours where a fixed 30-s poll took 240', () => {
    expect(maxPollsOfStep(7200)).toBe(30);
    expect(maxPollsOfStep(MIN_POLL_SECONDS)).toBe(1); // the first look is at the deadline
    expect(maxPollsOfStep(24 * 3600)).toBeLessThan((24 * 3600) / MAX_POLL_SECONDS + 10);
  });

  it('counts the schedule exactly: the last poll comes at the deadline', () => {
    const timeout = 1000;
    const ages = [MIN_POLL_SECONDS];
    while (ages[ages.length - 1] < timeout)
      ages.push(ages[ages.length - 1] + nextPollSeconds(ages[ages.length - 1], timeout - ages[ages.length - 1]));

    expect(ages[ages.length - 1]).toBe(timeout);
    expect(maxPollsOfStep(timeout)).toBe(ages.length);
  });
});

describe('history budget', () => {
  it('fits the default 20 groups of 120-min steps well inside one execution', () => {
    expect(historyEventsOfGroup(7200)).toBe(9 + 9 * 30);
    expect(20 * historyEventsOfGroup(7200)).toBeLessThan(STEP_HISTORY_BUDGET);
    expect(maxGroupsInHistory(7200)).toBe(71);
    expect(STEP_HISTORY_BUDGET).toBeLessThan(EXECUTION_HISTORY_LIMIT);
  });

  it('allows fewer groups as the timeout grows', () => {
    expect(maxGroupsInHistory(24 * 3600)).toBeLessThan(maxGroupsInHistory(8 * 3600));
    expect(maxGroupsInHistory(8 * 3600)).toBeLessThan(maxGroupsInHistory(7200));
  });
});

describe('pastDeadline', () => {
  it('is true from the deadline on; a step without one never is', () => {
    expect(pastDeadline(1000, 999)).toBe(false);
    expect(pastDeadline(1000, 1000)).toBe(true);
    expect(pastDeadline(undefined, Number.MAX_SAFE_INTEGER)).toBe(false);
  });
});
