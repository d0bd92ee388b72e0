import { NO_RAW_STATS } from '../../../src/local/duckdb/rawReader';
import { StepTimer } from '../../../src/local/duckdb/stepProfile';

describe('StepTimer', () => {
  it('turns the marks a step passed into a profile carrying the load stats', () => {
    const timer = new StepTimer();

    for (const mark of ['stage', 'count', 'write', 'finished'] as const) timer.mark(mark);
    const profile = timer.profile(NO_RAW_STATS);

    expect(profile.load).toBe(NO_RAW_STATS);
    expect(Object.keys(profile.cpu).sort()).toEqual(['load', 'stage', 'total', 'write']);
    for (const seconds of [profile.stageSeconds, profile.countSeconds, profile.writeSeconds, profile.totalSeconds])
      expect(seconds).toBeGreaterThanOrEqual(0);
  });

  it('names the mark a step never passed', () => {
    const timer = new StepTimer();

    timer.mark('stage');

    expect(() => timer.profile(NO_RAW_STATS)).toThrow('StepTimer: the step never passed "count"');
  });
});
