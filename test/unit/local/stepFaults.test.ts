import { faultFor, parseStepFaults } from '../../../src/local/stepFaults';

describe('parseStepFaults', () => {
  it('reads a day or an inclusive range, the state and an optional message', () => {
    const faults = parseStepFaults(
      JSON.stringify([
        { dataset: 'a', day: '2024-03-05', state: 'INTERRUPTED' },
        { dataset: 'b', from: '2024-03-01', to: '2024-03-03', state: 'FAILED', message: 'Exit code is 137' },
      ]),
      'f.json',
    );

    expect(faults).toEqual([
      { dataset: 'a', from: '2024-03-05', to: '2024-03-05', state: 'INTERRUPTED' },
      { dataset: 'b', from: '2024-03-01', to: '2024-03-03', state: 'FAILED', message: 'Exit code is 137' },
    ]);
  });

  it.each([
    ['{}', 'f.json: expected a JSON array'],
    ['[{"dataset":"a","day":"2024-03-05","state":"FAILED","dya":1}]', 'f.json[0].dya: unknown key'],
    ['[{"day":"2024-03-05","state":"FAILED"}]', 'f.json[0].dataset: expected the name'],
    ['[{"dataset":"a","state":"FAILED"}]', 'f.json[0].from: expected a day YYYY-MM-DD'],
    ['[{"dataset":"a","day":"2024-02-30","state":"FAILED"}]', 'f.json[0].day'],
    [
      '[{"dataset":"a","from":"2024-03-05","to":"2024-03-01","state":"FAILED"}]',
      'f.json[0].from: 2024-03-05 is after to 2024-03-01',
    ],
    [
      '[{"dataset":"a","day":"2024-03-05","state":"COMPLETED"}]',
      'f.json[0].state: expected one of FAILED, CANCELLED, INTERRUPTED',
    ],
  ])('refuses %s naming the field', (text, message) => {
    expect(() => parseStepFaults(text, 'f.json')).toThrow(message);
  });
});

describe('faultFor', () => {
  it("hits a step of the dataset when any of its days is in the fault's range", () => {
    const faults = parseStepFaults('[{"dataset":"a","from":"2024-03-02","to":"2024-03-03","state":"CANCELLED"}]', 'f');

    expect(faultFor(faults, 'a', ['2024-03-03', '2024-03-04'])?.state).toBe('CANCELLED');
    expect(faultFor(faults, 'a', ['2024-03-04'])).toBeUndefined();
    expect(faultFor(faults, 'b', ['2024-03-03'])).toBeUndefined();
  });
});
