-- client_share_4w: per ISO week and client, requests; per week, the programmatic clients' share over that week and the 3 before it.
-- grain: (record_date, client) · partition: the week's Monday (record_date) · replaces whole weeks
-- reads: processed access_records days [monday-21, monday+6]
--
-- One row per week of run_days and client of the fixed list below, zeros included; ISO weeks.
-- The rules (4-week window, NULL share, ISO week-year): docs/stage-contract.md.
WITH clients AS (
  SELECT 'WEB' AS client UNION ALL
  SELECT 'JAVA' UNION ALL
  SELECT 'PYTHON' UNION ALL
  SELECT 'R' UNION ALL
  SELECT 'SYNAPSER' UNION ALL
  SELECT 'COMMAND_LINE' UNION ALL
  SELECT 'ELB_HEALTHCHECKER' UNION ALL
  SELECT 'STACK' UNION ALL
  SELECT 'UNKNOWN'
),

daily AS (
  SELECT a.record_date AS day, a.client, COUNT(*) AS requests,
         CASE WHEN a.client IN ('PYTHON', 'SYNAPSER', 'R', 'JAVA', 'COMMAND_LINE') THEN 1 ELSE 0 END AS programmatic
  FROM access_records a
  GROUP BY a.record_date, a.client
),

weeks AS (
  SELECT r.day AS monday,
         CAST(year(date_add(r.day, 3)) AS STRING) || '_' || lpad(CAST(weekofyear(r.day) AS STRING), 2, '0') AS week
  FROM run_days r
),

four_weeks AS (
  SELECT w.monday,
         CAST(COALESCE(SUM(d.requests), 0) AS BIGINT)                  AS requests_4w,
         CAST(COALESCE(SUM(d.requests * d.programmatic), 0) AS BIGINT) AS programmatic_requests_4w
  FROM weeks w
  LEFT JOIN daily d ON d.day BETWEEN date_sub(w.monday, 21) AND date_add(w.monday, 6)
  GROUP BY w.monday
),

this_week AS (
  SELECT w.monday, d.client, CAST(SUM(d.requests) AS BIGINT) AS requests
  FROM weeks w
  JOIN daily d ON d.day BETWEEN w.monday AND date_add(w.monday, 6)
  GROUP BY w.monday, d.client
)

SELECT
  w.week                                            AS week,                     -- STRING 'yyyy_ww' (ISO week-year, ISO week)
  c.client                                          AS client,                   -- STRING: one of the 9 clients above
  COALESCE(t.requests, CAST(0 AS BIGINT))           AS requests,                 -- BIGINT: in the week
  f.requests_4w                                     AS requests_4w,              -- BIGINT: all clients, the week and the 3 before
  f.programmatic_requests_4w                        AS programmatic_requests_4w, -- BIGINT: PYTHON, SYNAPSER, R, JAVA, COMMAND_LINE, same 4 weeks
  CAST(CASE WHEN f.requests_4w > 0
            THEN CAST(f.programmatic_requests_4w AS DOUBLE) / CAST(f.requests_4w AS DOUBLE)
       END AS DOUBLE)                               AS programmatic_share_4w,    -- DOUBLE in [0, 1]; NULL without requests
  w.monday                                          AS record_date               -- DATE: the week's Monday
FROM weeks w
CROSS JOIN clients c
JOIN four_weeks f ON f.monday = w.monday
LEFT JOIN this_week t ON t.monday = w.monday AND t.client = c.client
