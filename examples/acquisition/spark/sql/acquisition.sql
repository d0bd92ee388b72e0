-- acquisition: one row per (date, country, os_name, token) of a day's marketing cube extract.
-- grain: that key per day · partition: the extract's day (= its arrival day, UTC) · replaces whole days
-- reads: raw acquisition arrival day [day, day] (lateDays 0) · bad rows → rejected/acquisition
--
-- Copies of a key within one day (an extract written twice) collapse to the one with the smallest
-- (_source_file, _record_index). A negative value becomes NULL so the blocking not_null_value check
-- fails the day (the config has no range check; raw NULL values are missing_field rejects already).
WITH recs AS (
  SELECT r.*,
         row_number() OVER (
           PARTITION BY r._arrival_day, r.date, r.country, r.os_name, r.token
           ORDER BY r._source_file ASC NULLS LAST, r._record_index ASC NULLS LAST
         ) AS copy_rank
  FROM raw_acquisition r
  WHERE r._arrival_day IN (SELECT day FROM run_days)
)

SELECT
  CAST(k.date AS DATE)                              AS date,             -- DATE: the cube's day
  k.year_week                                       AS year_week,        -- STRING 'yyyy_ww', as extracted
  k.country                                         AS country,          -- STRING; 'ALL' is the rollup
  k.os_name                                         AS os_name,          -- STRING; 'all' is the rollup
  k.token                                           AS token,            -- STRING: the channel's tracker token
  k.name                                            AS name,             -- STRING: the channel; 'Organic' is organic
  k.has_subtrackers                                 AS has_subtrackers,  -- BOOLEAN
  CASE WHEN k.value >= 0 THEN k.value END           AS value,            -- BIGINT ≥ 0: new users (NULL: negative in the extract)
  k._arrival_day                                    AS record_date       -- DATE: the extract's day
FROM recs k
WHERE k.copy_rank = 1
