-- organic_share_p4w: per ISO week and country, organic and other new users; the organic share over that week and the 3 before it.
-- grain: (record_date, country) · partition: the week's Monday (record_date) · replaces whole weeks
-- reads: processed acquisition days [monday-28, monday+6]
--
-- Per-country, all-OS cube rows; a week with no data has no rows; share_move flags jumps over 0.3.
-- The rules (windows, NULLs, ISO week-year): docs/stage-contract.md.
WITH per_day AS (
  SELECT a.record_date AS day, a.country,
         SUM(CASE WHEN a.name = 'Organic' THEN a.value ELSE 0 END)  AS organic,
         SUM(CASE WHEN a.name = 'Organic' THEN 0 ELSE a.value END)  AS non_organic
  FROM acquisition a
  WHERE a.os_name = 'all' AND a.country <> 'ALL'
  GROUP BY a.record_date, a.country
),

-- this week (offset 0) and the week before (offset 7): each with its own 4 weeks
weeks AS (
  SELECT r.day AS monday, r.day AS window_monday, 0 AS offset_days FROM run_days r
  UNION ALL
  SELECT r.day, date_sub(r.day, 7), 7 FROM run_days r
),

windowed AS (
  SELECT w.monday, w.offset_days, d.country,
         SUM(CASE WHEN d.day >= w.window_monday THEN d.organic ELSE 0 END)      AS organic,
         SUM(CASE WHEN d.day >= w.window_monday THEN d.non_organic ELSE 0 END)  AS non_organic,
         SUM(d.organic)                                                        AS organic_4w,
         SUM(d.organic + d.non_organic)                                        AS all_4w
  FROM weeks w
  JOIN per_day d ON d.day BETWEEN date_sub(w.window_monday, 21) AND date_add(w.window_monday, 6)
  GROUP BY w.monday, w.offset_days, d.country
),

shares AS (
  SELECT monday, offset_days, country, organic, non_organic,
         CASE WHEN all_4w > 0 THEN CAST(organic_4w AS DOUBLE) / CAST(all_4w AS DOUBLE) END AS share
  FROM windowed
),

weeks_with_data AS (
  SELECT DISTINCT r.day AS monday
  FROM run_days r
  JOIN per_day d ON d.day BETWEEN r.day AND date_add(r.day, 6)
),

this_week AS (
  SELECT s.monday, s.country, s.organic, s.non_organic, s.share,
         s.share - p.share AS change
  FROM shares s
  LEFT JOIN shares p ON p.monday = s.monday AND p.country = s.country AND p.offset_days = 7
  WHERE s.offset_days = 0
)

SELECT
  CAST(year(date_add(t.monday, 3)) AS STRING) || '_' || lpad(CAST(weekofyear(t.monday) AS STRING), 2, '0')
                                                    AS year_week,          -- STRING 'yyyy_ww' (ISO week-year, ISO week)
  CAST(year(date_add(t.monday, 3)) AS BIGINT)       AS year,               -- BIGINT: the ISO week-year
  CAST(weekofyear(t.monday) AS BIGINT)              AS week,               -- BIGINT: the ISO week, 1 … 53
  t.country                                         AS country,            -- STRING: a country seen in the 4 weeks
  CAST(t.organic AS BIGINT)                         AS organic,            -- BIGINT: new users of 'Organic' in the week
  CAST(t.non_organic AS BIGINT)                     AS non_organic,        -- BIGINT: new users of every other channel
  CAST(t.share AS DOUBLE)                           AS share_organic_p4w,  -- DOUBLE in [0, 1] over the 4 weeks; NULL when they sum to 0
  CAST(t.change AS DOUBLE)                          AS share_change_p4w,   -- DOUBLE in [-1, 1]: minus the week before's share
  CASE WHEN abs(t.change) > 0.3 THEN 'jump'
       WHEN t.change IS NOT NULL THEN 'steady' END  AS share_move,         -- STRING 'steady' | 'jump' | NULL
  t.monday                                          AS record_date         -- DATE: the week's Monday
FROM this_week t
JOIN weeks_with_data h ON h.monday = t.monday
