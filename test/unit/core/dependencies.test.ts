import { dayRange } from '../../../src/core/days';
import { inputDaysFor, outputDaysAffectedBy, rawDaysForRange } from '../../../src/core/dependencies';
import { InputError } from '../../../src/core/errors';

describe('inputDaysFor / outputDaysAffectedBy', () => {
  it.each([0, 1, 2, 5])("are each other's inverse with lateDays %i", (lateDays) => {
    const days = dayRange('2023-12-20', '2024-03-10'); // a year boundary and 29 Feb

    const forwards = days.flatMap((d) => inputDaysFor(d, lateDays).map((r) => `${d}<-${r}`));
    const backwards = days.flatMap((r) => outputDaysAffectedBy(r, lateDays).map((d) => `${d}<-${r}`));

    // every (output day, raw day) edge found one way is found the other way, inside the sampled span
    const inside = (edge: string) => edge.split('<-').every((day) => days.includes(day));
    expect(new Set(forwards.filter(inside))).toEqual(new Set(backwards.filter(inside)));
  });

  it('with lateDays 1: day D reads D-1…D+1, and raw day R affects R-1…R+1', () => {
    const day = '2024-03-05';

    const reads = inputDaysFor(day, 1);
    const affects = outputDaysAffectedBy(day, 1);

    expect(reads).toEqual(['2024-03-04', '2024-03-05', '2024-03-06']);
    expect(affects).toEqual(['2024-03-04', '2024-03-05', '2024-03-06']);
  });

  it('with lateDays 0: a day reads and affects only itself', () => {
    const day = '2024-02-29';

    const reads = inputDaysFor(day, 0);
    const affects = outputDaysAffectedBy(day, 0);

    expect(reads).toEqual(['2024-02-29']);
    expect(affects).toEqual(['2024-02-29']);
  });

  it('with lateDays 2: five days each way, over 29 February', () => {
    const day = '2024-03-01';

    const reads = inputDaysFor(day, 2);
    const affects = outputDaysAffectedBy(day, 2);

    expect(reads).toEqual(['2024-02-28', '2024-02-29', '2024-03-01', '2024-03-02', '2024-03-03']);
    expect(affects).toEqual(reads);
  });

  it('crosses a year boundary both ways', () => {
    const newYear = '2024-01-01';

    const reads = inputDaysFor(newYear, 1);
    const affects = outputDaysAffectedBy('2023-12-31', 1);

    expect(reads).toEqual(['2023-12-31', '2024-01-01', '2024-01-02']);
    expect(affects).toEqual(['2023-12-30', '2023-12-31', '2024-01-01']);
  });

  it('reaches before the first raw day: the first day of data affects the day before it', () => {
    // first day of dataset: records that arrived on the first raw day may belong to the day before
    const firstRawDay = '2024-03-01';

    const affects = outputDaysAffectedBy(firstRawDay, 1);

    expect(affects[0]).toBe('2024-02-29');
    expect(inputDaysFor('2024-02-29', 1)).toContain(firstRawDay);
  });

  it.each([-1, 0.5, Number.NaN])('refuses lateDays %p', (lateDays) => {
    const day = '2024-03-05';

    const reads = () => inputDaysFor(day, lateDays);
    const affects = () => outputDaysAffectedBy(day, lateDays);

    expect(reads).toThrow(InputError);
    expect(affects).toThrow(InputError);
  });
});

describe('rawDaysForRange', () => {
  it('is the union of the input windows of the range: from-L … to+L', () => {
    const [from, to] = ['2024-02-28', '2024-03-02'];

    const rawDays = rawDaysForRange(from, to, 2);

    const union = [...new Set(dayRange(from, to).flatMap((d) => inputDaysFor(d, 2)))].sort();
    expect(rawDays).toEqual(union);
    expect(rawDays).toEqual(dayRange('2024-02-26', '2024-03-04'));
  });

  it('with lateDays 0 is the range itself', () => {
    const [from, to] = ['2023-12-31', '2024-01-01'];

    const rawDays = rawDaysForRange(from, to, 0);

    expect(rawDays).toEqual(['2023-12-31', '2024-01-01']);
  });
});
