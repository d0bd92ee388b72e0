/**
 * One day of the acquisition example's marketing cube, as rows (pure: a seeded Rng in, rows out).
 * Per country and OS, one row per channel; the cube's rollups are rows too: os_name 'all' (every OS)
 * and country 'ALL' (every country). token, name and has_subtrackers map 1:1:1.
 */
import { addDays, isoWeekMonday } from '../../../src/core/days';
import type { Day } from '../../../src/core/types';
import type { Rng } from '../../../src/sample/rng';

export interface CubeRow {
  date: Day;
  /** 'yyyy_ww', the ISO week-year and week of date */
  year_week: string;
  country: string;
  os_name: string;
  token: string;
  name: string;
  has_subtrackers: boolean;
  /** new users, ≥ 0 */
  value: number;
}

/** The channels: Organic is the organic one; daily new users per country and OS drawn in [lo, hi]. */
export const CHANNELS = [
  { token: 'org0001', name: 'Organic', has_subtrackers: false, lo: 40, hi: 120 },
  { token: 'gad7k2p', name: 'Google Ads', has_subtrackers: true, lo: 10, hi: 60 },
  { token: 'fbk3m9q', name: 'Facebook Installs', has_subtrackers: true, lo: 5, hi: 40 },
  { token: 'tkt8x1z', name: 'TikTok', has_subtrackers: false, lo: 0, hi: 25 },
] as const;

export const OPERATING_SYSTEMS = ['ios', 'android'] as const;

/**
 * 'yyyy_ww' of a day's ISO week: the week-year is the year of the week's Thursday.
 * @example isoYearWeek('2021-01-03') // '2020_53'
 */
export function isoYearWeek(day: Day): string {
  const thursday = addDays(isoWeekMonday(day), 3);
  const jan4 = `${thursday.slice(0, 4)}-01-04`; // always in week 1
  const week = 1 + Math.round((Date.parse(isoWeekMonday(day)) - Date.parse(isoWeekMonday(jan4))) / (7 * 86_400_000));
  return `${thursday.slice(0, 4)}_${String(week).padStart(2, '0')}`;
}

/**
 * The cube rows of `day` for `countries`: per country, OS and channel, then the 'all' OS rollup per
 * country and channel, then the 'ALL' country rollups. `scale` multiplies every value (≥ 0);
 * `campaign` multiplies the paid channels' values of one country (a paid campaign), rollups included.
 */
export function cubeRows(
  day: Day,
  countries: readonly string[],
  rng: Rng,
  scale = 1,
  campaign?: { country: string; factor: number },
): CubeRow[] {
  const year_week = isoYearWeek(day);
  const rows: CubeRow[] = [];
  const add = (country: string, os_name: string, channel: (typeof CHANNELS)[number], value: number) =>
    rows.push({
      date: day,
      year_week,
      country,
      os_name,
      token: channel.token,
      name: channel.name,
      has_subtrackers: channel.has_subtrackers,
      value,
    });
  const allCountries = new Map<string, number>();
  for (const country of countries) {
    for (const channel of CHANNELS) {
      let allOs = 0;
      for (const os of OPERATING_SYSTEMS) {
        const boost = campaign?.country === country && channel.name !== 'Organic' ? campaign.factor : 1;
        const value = Math.round(rng.between(channel.lo, channel.hi) * scale * boost);
        allOs += value;
        add(country, os, channel, value);
        allCountries.set(`${os}|${channel.token}`, (allCountries.get(`${os}|${channel.token}`) ?? 0) + value);
      }
      add(country, 'all', channel, allOs);
      allCountries.set(`all|${channel.token}`, (allCountries.get(`all|${channel.token}`) ?? 0) + allOs);
    }
  }
  for (const channel of CHANNELS) {
    for (const os of [...OPERATING_SYSTEMS, 'all']) {
      const value = allCountries.get(`${os}|${channel.token}`);
      if (value !== undefined) add('ALL', os, channel, value);
    }
  }
  return rows;
}
