import {
  daysDone,
  describeRemaining,
  NO_PROGRESS,
  planned,
  remainingSeconds,
  stepStarted,
} from '../../../src/cli/chainProgress';

describe('chainProgress', () => {
  it('counts one total over a chain: each execution plans what is left, and the count goes on', () => {
    // execution 1 plans 4 days and defers 6
    let progress = planned(NO_PROGRESS, 4, 6);
    progress = stepStarted(progress, 1_000);
    progress = daysDone(progress, 4);

    expect(progress).toEqual({ doneDays: 4, totalDays: 10, firstStepAtMs: 1_000 });

    // execution 2 plans the days at the cut again (1 more than deferred) and defers 3
    progress = planned(progress, 4, 3);
    progress = stepStarted(progress, 9_000); // the clock keeps the chain's first step

    expect(progress).toEqual({ doneDays: 4, totalDays: 11, firstStepAtMs: 1_000 });

    // the last execution: nothing deferred
    progress = daysDone(progress, 4);
    progress = planned(progress, 3, 0);
    progress = daysDone(progress, 3);

    expect(progress).toEqual({ doneDays: 11, totalDays: 11, firstStepAtMs: 1_000 });
  });

  it('never counts a total below the days done', () => {
    expect(daysDone(planned(NO_PROGRESS, 1, 0), 2)).toEqual({ doneDays: 2, totalDays: 2 });
  });

  it('estimates the time left from the wall time per finished day since the first step', () => {
    const progress = { doneDays: 5, totalDays: 20, firstStepAtMs: 0 };

    expect(remainingSeconds(progress, 10_000)).toBe(30); // 2 s a day, 15 days left
    expect(remainingSeconds({ ...progress, doneDays: 0 }, 10_000)).toBeUndefined(); // no day done: no rate
    expect(remainingSeconds({ doneDays: 5, totalDays: 20 }, 10_000)).toBeUndefined(); // no step started
    expect(remainingSeconds({ ...progress, doneDays: 20 }, 10_000)).toBe(0);
  });

  it('says the estimate in seconds, minutes or hours, and nothing when there is none', () => {
    expect(describeRemaining(undefined)).toBeUndefined();
    expect(describeRemaining(0)).toBeUndefined();
    expect(describeRemaining(0.4)).toBe('about 1 s left');
    expect(describeRemaining(42)).toBe('about 40 s left');
    expect(describeRemaining(200)).toBe('about 3 min left');
    expect(describeRemaining(3_600)).toBe('about 1 h left');
    expect(describeRemaining(4_830)).toBe('about 1 h 21 min left');
  });
});
