import { executionInput } from '../../../src/cli/runCommand';

describe('executionInput', () => {
  it('sends --full as the input field full, and leaves it out otherwise', () => {
    expect(executionInput({ lake: 'lake', full: true })).toEqual({ full: true });
    expect(executionInput({ lake: 'lake', from: '2024-01-01', to: '2024-01-31', full: false })).toEqual({
      from: '2024-01-01',
      to: '2024-01-31',
    });
  });

  it('sends --no-downstream as downstream: false, and leaves it out otherwise (commander gives true)', () => {
    expect(executionInput({ lake: 'lake', dataset: ['node_snapshots'], downstream: false })).toEqual({
      datasets: ['node_snapshots'],
      downstream: false,
    });
    expect(executionInput({ lake: 'lake', dataset: ['node_snapshots'], downstream: true })).toEqual({
      datasets: ['node_snapshots'],
    });
  });
});
