import { InputError } from '../../../src/core/errors';
import { phasesOf, tablesToPlan } from '../../../src/core/phases';

describe('phasesOf', () => {
  it('puts a table one phase after the latest table it reads, and a table reading nothing in phase 0', () => {
    const phases = phasesOf([
      { name: 'c', reads: [{ table: 'b' }, { table: 'a' }] },
      { name: 'b', reads: [{ table: 'a' }] },
      { name: 'a', reads: [] },
      { name: 'd' },
    ]);

    expect(phases).toEqual({ a: 0, b: 1, c: 2, d: 0 });
  });

  it('ignores reads of tables not in the list (a subset of the config is planned)', () => {
    expect(phasesOf([{ name: 'b', reads: [{ table: 'a' }] }])).toEqual({ b: 0 });
  });

  it('names the table whose reads close a cycle, a table reading itself included', () => {
    const cycle = () =>
      phasesOf([
        { name: 'a', reads: [{ table: 'b' }] },
        { name: 'b', reads: [{ table: 'a' }] },
      ]);

    expect(cycle).toThrow(InputError);
    expect(cycle).toThrow('a.reads: reads form a cycle');
    expect(() => phasesOf([{ name: 's', reads: [{ table: 's' }] }])).toThrow('s.reads: reads form a cycle');
  });
});

describe('tablesToPlan', () => {
  // a → b → c (b reads a, c reads b); d reads a and x; x reads nothing
  const tables = [
    { name: 'a' },
    { name: 'c', reads: [{ table: 'b' }] },
    { name: 'b', reads: [{ table: 'a' }] },
    { name: 'd', reads: [{ table: 'x' }, { table: 'a' }] },
    { name: 'x' },
  ];

  it('adds every table that reads a selected one, directly or through another, whatever the list order', () => {
    expect([...tablesToPlan(['a'], tables, true)].sort()).toEqual(['a', 'b', 'c', 'd']);
    expect([...tablesToPlan(['a'], [...tables].reverse(), true)].sort()).toEqual(['a', 'b', 'c', 'd']);
  });

  it('never adds a table a selected one reads (upstream)', () => {
    expect([...tablesToPlan(['c'], tables, true)]).toEqual(['c']);
    expect([...tablesToPlan(['b', 'x'], tables, true)].sort()).toEqual(['b', 'c', 'd', 'x']);
  });

  it('keeps the selection alone when downstream is false', () => {
    expect([...tablesToPlan(['a'], tables, false)]).toEqual(['a']);
  });
});
