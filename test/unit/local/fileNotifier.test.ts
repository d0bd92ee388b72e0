import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { alertLine, FileNotifier } from '../../../src/local/fileNotifier';

const tmp: string[] = [];
const newLake = () => {
  const dir = mkdtempSync(join(tmpdir(), 'lakestep-alerts-'));
  tmp.push(dir);
  return dir;
};
afterAll(() =>
  tmp.forEach((d) => {
    rmSync(d, { recursive: true, force: true });
  }),
);

const captured = () => {
  const lines: string[] = [];
  return { lines, stream: { write: (s: string) => (lines.push(s), true) } };
};

describe('FileNotifier.publish', () => {
  it('writes one JSON file per message under _alerts/ and prints one line to stderr', async () => {
    const lake = newLake();
    const err = captured();
    const notifier = new FileNotifier(lake, err.stream, () => Date.UTC(2024, 2, 5, 10, 42, 7, 123));
    const message = {
      executionId: 'exec-7f3a',
      failedDays: ['2024-03-05', '2024-03-06'],
      cause: 'RejectThresholdError: 12 of 100 records rejected',
    };

    await notifier.publish('lakestep run failed', message);
    await notifier.publish('lakestep run failed', { cause: 'again' });

    const files = readdirSync(join(lake, '_alerts')).sort();
    expect(files).toHaveLength(2);
    expect(files.every((f) => /^2024-03-05T10-42-07\.123Z-[0-9a-f]{8}\.json$/.test(f))).toBe(true);
    const bodies = files.map((f) => JSON.parse(readFileSync(join(lake, '_alerts', f), 'utf8')));
    expect(bodies).toContainEqual({ subject: 'lakestep run failed', message, publishedAt: '2024-03-05T10:42:07.123Z' });
    expect(err.lines).toHaveLength(2);
    expect(err.lines[0]).toMatch(
      // the run prints the cause and the days once itself; the file holds them
      /^alert: lakestep run failed \(_alerts\/2024-03-05T10-42-07\.123Z-[0-9a-f]{8}\.json\)\n$/,
    );
  });
});

describe('alertLine', () => {
  it('keeps to one short line for a long or multi-line subject', () => {
    const line = alertLine(`multi\nline ${'x'.repeat(500)}`);

    expect(line).toMatch(/^alert: multi line x+…$/);
    expect(line.length).toBe(400);
  });
});
