import { InputError } from '../../../src/core/errors';
import { phasesOf } from '../../../src/core/phases';

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
