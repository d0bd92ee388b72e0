import { InputError } from '../../../src/core/errors';
import { continuationInput, continuationName, validateRunInput } from '../../../src/core/input';

const CTX = {
  executionId: 'exec-2',
  startedAtMs: Date.UTC(2024, 2, 10),
  knownDatasets: ['access_records', 'audit_events'],
};

/** The InputError thrown for `event`, or fails the test. */
function errorFor(event: unknown, ctx = CTX): InputError {
  try {
    validateRunInput(event, ctx);
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return error as InputError;
  }
  throw new Error(`expected an InputError for ${JSON.stringify(event)}`);
}

describe('validateRunInput', () => {
  describe('accepts', () => {
    it('{} as the scheduled incremental run over every dataset', () => {
      const event = {};

      const input = validateRunInput(event, CTX);

      expect(input).toEqual({
        mode: 'incremental',
        executionId: 'exec-2',
        startedAtMs: CTX.startedAtMs,
        datasets: ['access_records', 'audit_events'],
        force: false,
        dryRun: false,
      });
    });

    it('from/to without a mode as a backfill', () => {
      const event = { from: '2024-01-01', to: '2024-03-31', datasets: ['access_records'], force: true };

      const input = validateRunInput(event, CTX);

      expect(input).toEqual({
        mode: 'backfill',
        executionId: 'exec-2',
        startedAtMs: CTX.startedAtMs,
        datasets: ['access_records'],
        from: '2024-01-01',
        to: '2024-03-31',
        force: true,
        dryRun: false,
      });
    });

    it('a one-day backfill on 29 February', () => {
      const event = { mode: 'backfill', from: '2024-02-29', to: '2024-02-29' };

      const input = validateRunInput(event, CTX);

      expect([input.from, input.to]).toEqual(['2024-02-29', '2024-02-29']);
    });

    it('a rerun of an earlier execution', () => {
      const event = { mode: 'rerun', executionId: 'exec-1' };

      const input = validateRunInput(event, CTX);

      expect(input.mode).toBe('rerun');
      expect(input.rerunOf).toBe('exec-1');
      expect(input.executionId).toBe('exec-2');
    });

    it('a dry run, a stale run, and duplicate dataset names collapsed', () => {
      const event = { mode: 'stale', dryRun: true, datasets: ['audit_events', 'audit_events'] };

      const input = validateRunInput(event, CTX);

      expect(input).toMatchObject({ mode: 'stale', dryRun: true, datasets: ['audit_events'] });
      expect(input).not.toHaveProperty('from');
      expect(input).not.toHaveProperty('rerunOf');
    });
  });

  describe('rejects, naming the field and what was expected', () => {
    it.each([
      [
        { dryrun: true },
        'dryrun: unknown field (expected one of mode, from, to, datasets, downstream, force, dryRun, acceptRawRemoval, full, executionId)',
      ],
      [{ from: '2024-01-01', to: '2024-02-30' }, 'to: "2024-02-30" is not a calendar date (expected YYYY-MM-DD)'],
      [{ from: '2023-02-29', to: '2023-03-01' }, 'from: "2023-02-29" is not a calendar date (expected YYYY-MM-DD)'],
      [{ from: '2024-03-05', to: '2024-03-01' }, 'from: 2024-03-05 is after to 2024-03-01 (expected from ≤ to)'],
      [
        { datasets: ['access_records', 'acess_records'] },
        'datasets[1]: unknown dataset "acess_records" (expected one of access_records, audit_events)',
      ],
      [{ datasets: [] }, 'datasets: expected a non-empty list of dataset names, got []'],
      [{ datasets: 'access_records' }, 'datasets: expected a non-empty list of dataset names, got "access_records"'],
      [{ datasets: ['access_records', 7] }, 'datasets[1]: expected a dataset name string, got 7'],
      [{ mode: 'full' }, 'mode: "full" is not a mode (expected one of incremental, backfill, rerun, stale)'],
      [{ mode: 1 }, 'mode: expected one of incremental, backfill, rerun, stale, got 1'],
      [{ force: 'yes' }, 'force: expected true or false, got "yes"'],
      [{ dryRun: 1 }, 'dryRun: expected true or false, got 1'],
      [{ from: 20240101, to: '2024-01-02' }, 'from: expected a YYYY-MM-DD string, got 20240101'],
      [{ from: null, to: '2024-01-02' }, 'from: expected a YYYY-MM-DD string, got null'],
      [{ from: '2024-01-01' }, 'to: missing (a backfill needs both from and to, YYYY-MM-DD)'],
      [{ mode: 'backfill', to: '2024-01-01' }, 'from: missing (a backfill needs both from and to, YYYY-MM-DD)'],
      [{ mode: 'backfill' }, 'from: missing (a backfill needs both from and to, YYYY-MM-DD)'],
      [
        { mode: 'stale', from: '2024-01-03', to: '2024-01-02' },
        'from: 2024-01-03 is after to 2024-01-02 (expected from ≤ to)',
      ],
      [
        { mode: 'incremental', to: '2024-01-02' },
        'to: only allowed with mode backfill or stale (got mode incremental); drop it or use mode backfill',
      ],
      [{ force: true }, 'force: needs a range: give from and to (YYYY-MM-DD); force recomputes exactly that range'],
      [
        { mode: 'stale', force: true },
        'force: needs a range: give from and to (YYYY-MM-DD); force recomputes exactly that range',
      ],
      [{ mode: 'rerun' }, 'executionId: missing (mode rerun needs the id of the execution to rerun)'],
      [{ mode: 'rerun', executionId: '' }, 'executionId: expected a non-empty execution id string, got ""'],
      [{ mode: 'rerun', executionId: 'exec-2' }, 'executionId: exec-2 is this execution (expected an earlier one)'],
      [{ executionId: 'exec-1' }, 'executionId: only allowed with mode rerun (got mode incremental)'],
    ])('%j', (event, message) => {
      const error = errorFor(event);

      expect(error.message).toBe(message);
      expect(error.field).toBe(message.split(':')[0]);
    });

    it.each([
      [null, 'null'],
      [undefined, 'nothing'],
      ['{}', '"{}"'],
      [42, '42'],
      [[], 'a list'],
    ])('a non-object input %p', (event, got) => {
      const error = errorFor(event);

      expect(error.field).toBe('(input)');
      expect(error.message).toBe(
        `(input): expected a JSON object such as {} or {"mode":"backfill","from":"2024-01-01","to":"2024-01-31"}, got ${got}`,
      );
    });

    it('cuts a long value short in the message', () => {
      const event = { mode: 'x'.repeat(500) };

      const error = errorFor(event);

      expect(error.message.length).toBeLessThan(160);
      expect(error.message).toContain('...');
    });

    it('says so when no dataset is configured', () => {
      const event = { datasets: ['access_records'] };

      const error = errorFor(event, { ...CTX, knownDatasets: [] });

      expect(error.message).toBe(
        'datasets[0]: unknown dataset "access_records" (expected a dataset configured in lakestep.config.yml, and none is)',
      );
    });

    it("is an error named InputError, for the state machine's Catch", () => {
      const event = { dryrun: true };

      const error = errorFor(event);

      expect(error.name).toBe('InputError');
    });
  });
});

describe('validateRunInput: full', () => {
  it('keeps full: true, leaves out full: false, and names the field for a non-boolean', () => {
    expect(validateRunInput({ full: true }, CTX).full).toBe(true);
    expect(validateRunInput({ full: false }, CTX)).not.toHaveProperty('full');
    expect(() => validateRunInput({ full: 'yes' }, CTX)).toThrow('full: expected true or false, got "yes"');
  });
});

describe('validateRunInput: downstream', () => {
  it('keeps downstream: false with datasets, leaves out downstream: true (the default)', () => {
    expect(validateRunInput({ datasets: ['audit_events'], downstream: false }, CTX).downstream).toBe(false);
    expect(validateRunInput({ datasets: ['audit_events'], downstream: true }, CTX)).not.toHaveProperty('downstream');
    expect(validateRunInput({}, CTX)).not.toHaveProperty('downstream');
  });

  it('refuses downstream: false without datasets (every table is selected then), and a non-boolean', () => {
    expect(errorFor({ downstream: false }).message).toBe(
      'downstream: false (--no-downstream) needs datasets (--dataset): it limits the run to them, leaving out the tables that read them',
    );
    expect(() => validateRunInput({ datasets: ['audit_events'], downstream: 'no' }, CTX)).toThrow(
      'downstream: expected true or false, got "no"',
    );
  });
});

describe('continuationInput (the next execution of a cut run)', () => {
  const run = (event: Record<string, unknown>) => validateRunInput(event, CTX);

  it('goes on with a forced backfill from the day after the cut, to the same end', () => {
    const next = continuationInput(run({ from: '2021-01-01', to: '2023-12-31', force: true }), '2021-05-20', 2);

    expect(next).toEqual({
      mode: 'backfill',
      datasets: ['access_records', 'audit_events'],
      from: '2021-05-21',
      to: '2023-12-31',
      force: true,
    });
  });

  it('goes on with a stale run limited to a range over the same range (its days done are committed, so not planned again)', () => {
    const next = continuationInput(run({ mode: 'stale', from: '2021-01-01' }), '2021-05-20', 2);

    expect(next).toEqual({ mode: 'stale', datasets: ['access_records', 'audit_events'], from: '2021-01-01' });
  });

  it.each([
    ['2021-05-20', '2021-05-19'],
    ['2021-01-01', '2021-01-01'], // never before the range
  ])('goes on with an unforced backfill cut at %s from 2 × lateness before the day after it: %s', (until, from) => {
    const next = continuationInput(run({ from: '2021-01-01', to: '2023-12-31' }), until, 2);

    expect(next).toEqual({ mode: 'backfill', datasets: ['access_records', 'audit_events'], from, to: '2023-12-31' });
  });

  it.each([
    [{}, { mode: 'incremental', datasets: ['access_records', 'audit_events'] }],
    [
      { mode: 'stale', datasets: ['audit_events'] },
      { mode: 'stale', datasets: ['audit_events'] },
    ],
    // a change found by the full listing may lie before the next run's bounded window
    [{ full: true }, { mode: 'incremental', datasets: ['access_records', 'audit_events'], full: true }],
    // the next execution leaves the readers out too
    [
      { mode: 'stale', datasets: ['audit_events'], downstream: false },
      { mode: 'stale', datasets: ['audit_events'], downstream: false },
    ],
  ])('repeats a run whose done days leave its plan by themselves: %j', (event, expected) => {
    const next = continuationInput(run(event), '2021-05-20', 2);

    expect(next).toEqual(expected);
    expect(() => validateRunInput(next, { ...CTX, executionId: 'exec-3' })).not.toThrow();
  });

  it('refuses a rerun, which is never cut', () => {
    expect(() => continuationInput(run({ mode: 'rerun', executionId: 'exec-1' }), '2021-05-20', 2)).toThrow(InputError);
  });
});

describe('continuationName', () => {
  it.each([
    ['run-20240305T101112Z-1a2b', '2021-05-20', 'run-20240305T101112Z-1a2b-after-2021-05-20'],
    ['run-20240305T101112Z-1a2b-after-2021-05-20', '2021-10-07', 'run-20240305T101112Z-1a2b-after-2021-10-07'],
    ['0f5c6e7a-1b2c-4d5e-8f90-123456789abc', '2021-05-20', '0f5c6e7a-1b2c-4d5e-8f90-123456789abc-after-2021-05-20'],
    ['a.b:c', '2021-05-20', 'a_b_c-after-2021-05-20'],
    ['x'.repeat(80), '2021-05-20', `${'x'.repeat(63)}-after-2021-05-20`],
  ])('%s cut at %s → %s (1–80 of A–Z a–z 0–9 - _)', (name, until, expected) => {
    const next = continuationName(name, until);

    expect(next).toBe(expected);
    expect(next).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
  });
});
