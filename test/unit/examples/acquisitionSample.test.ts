import { countriesOn, extractKey } from '../../../examples/acquisition/sample/index';
import { CHANNELS, cubeRows, isoYearWeek } from '../../../examples/acquisition/sample/extract';
import { Rng } from '../../../src/sample/rng';

describe('isoYearWeek', () => {
  test.each([
    ['2020-12-28', '2020_53'], // Monday of 2020's week 53
    ['2021-01-03', '2020_53'], // its Sunday, in the next calendar year
    ['2021-01-04', '2021_01'],
    ['2024-12-30', '2025_01'], // ISO 2025 starts on Monday 30 Dec 2024
    ['2024-02-29', '2024_09'],
    ['2027-01-03', '2026_53'],
  ])('%s is %s', (day, label) => {
    expect(isoYearWeek(day)).toBe(label);
  });
});

describe('cubeRows', () => {
  it('sums each country over the OSes into os_name all, and the countries into ALL, channel by channel', () => {
    const rows = cubeRows('2021-01-03', ['US', 'DE'], new Rng(7));

    const value = (country: string, os: string, token: string) =>
      rows.find((r) => r.country === country && r.os_name === os && r.token === token)?.value;
    for (const { token } of CHANNELS) {
      expect(value('US', 'all', token)).toBe(value('US', 'ios', token)! + value('US', 'android', token)!);
      expect(value('ALL', 'ios', token)).toBe(value('US', 'ios', token)! + value('DE', 'ios', token)!);
      expect(value('ALL', 'all', token)).toBe(value('US', 'all', token)! + value('DE', 'all', token)!);
    }
    expect(rows).toHaveLength(3 * 3 * CHANNELS.length);
    expect(new Set(rows.map((r) => r.year_week))).toEqual(new Set(['2020_53']));
  });

  it("multiplies only the campaign country's paid channels", () => {
    const plain = cubeRows('2021-01-03', ['US', 'DE'], new Rng(7));
    const boosted = cubeRows('2021-01-03', ['US', 'DE'], new Rng(7), 1, { country: 'DE', factor: 20 });

    const pick = (rows: typeof plain, country: string, name: string) =>
      rows.find((r) => r.country === country && r.os_name === 'ios' && r.name === name)!.value;
    expect(pick(boosted, 'DE', 'Google Ads')).toBe(20 * pick(plain, 'DE', 'Google Ads'));
    expect(pick(boosted, 'DE', 'Organic')).toBe(pick(plain, 'DE', 'Organic'));
    expect(pick(boosted, 'US', 'Google Ads')).toBe(pick(plain, 'US', 'Google Ads'));
  });
});

describe('countriesOn', () => {
  it('has FR silent in the middle fifth and BR from the first third (of 30 days)', () => {
    const schedule = Array.from({ length: 30 }, (_, i) => countriesOn(i, 30).join(','));

    expect(schedule[0]).toBe('US,DE,FR');
    expect(schedule[10]).toBe('US,DE,FR,BR'); // day 10 = 30 / 3
    expect(schedule.slice(12, 18)).toEqual(Array(6).fill('US,DE,BR')); // days 12 … 17: FR's gap
    expect(schedule[18]).toBe('US,DE,FR,BR');
  });
});

describe('extractKey', () => {
  it("puts a day's extract in its Hive folder", () => {
    expect(extractKey('2021-01-03')).toBe(
      'raw/acquisition/year=2021/month=01/day=03/acquisition-cube-2021-01-03.parquet',
    );
  });
});
