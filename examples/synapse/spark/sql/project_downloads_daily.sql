-- project_downloads_daily: per day and project, downloads and distinct users on the day and over trailing windows.
-- grain: (record_date, project_id) · partition: record_date · replaces whole days
-- reads: processed file_downloads days [day-27, day] · rows with a NULL project_id (unattributed) are not counted
--
-- Continuous calendar: day D has a row for every project with at least one attributed download in
-- D-27 … D, zeros where nothing happened (a project downloaded only on 1 March has rows 1 … 28 March).
-- Windows are calendar days, inclusive: 7d = D-6 … D, 28d = D-27 … D. Distinct users are exact
-- (COUNT DISTINCT over the window's (project, day, user) rows); a NULL user_id counts as a download
-- but not as a user. date_sub is Spark's (a DATE minus whole days; the prelude gives DuckDB the same).
WITH project_day_users AS (
  SELECT f.project_id, f.record_date AS day, f.user_id, COUNT(*) AS downloads
  FROM file_downloads f
  WHERE f.project_id IS NOT NULL
  GROUP BY f.project_id, f.record_date, f.user_id
),

windowed AS (
  SELECT r.day AS run_day, u.project_id, u.day, u.user_id, u.downloads
  FROM run_days r
  JOIN project_day_users u ON u.day BETWEEN date_sub(r.day, 27) AND r.day
)

SELECT
  w.project_id                                                                  AS project_id,         -- BIGINT
  CAST(SUM(CASE WHEN w.day = w.run_day THEN w.downloads ELSE 0 END) AS BIGINT)  AS downloads,          -- BIGINT: on D
  COUNT(DISTINCT CASE WHEN w.day = w.run_day THEN w.user_id END)                AS distinct_users,     -- BIGINT: on D
  CAST(SUM(CASE WHEN w.day >= date_sub(w.run_day, 6) THEN w.downloads ELSE 0 END) AS BIGINT) AS downloads_7d, -- BIGINT: D-6 … D
  CAST(SUM(w.downloads) AS BIGINT)                                              AS downloads_28d,      -- BIGINT: D-27 … D
  COUNT(DISTINCT w.user_id)                                                     AS distinct_users_28d, -- BIGINT: D-27 … D, exact
  w.run_day                                                                     AS record_date         -- DATE: D
FROM windowed w
GROUP BY w.run_day, w.project_id
