-- node_snapshots: one row per (node_id, project_id, entered_at) listed in a day's warehouse dump.
-- grain: that key per snapshot day · partition: snapshot day (= the dump's arrival day, UTC) · replaces whole days
-- reads: raw node_snapshots arrival days [day-lateDays, day+lateDays] (only the day's own dump is kept) · bad rows → rejected/node_snapshots
--
-- A dump lists every node that exists at the end of its day, unchanged nodes repeated day after day, so
-- the same key is on many days by design: each day keeps its own copy (file_downloads reads several days
-- and collapses them). Within one day, copies of a key (the same dump written twice, or one file listing
-- a row twice) collapse to the one with the smallest (_source_file, _record_index); its NODE_TYPE wins.
-- The key is null-safe (PARTITION BY puts NULLs in one group in both engines).
WITH recs AS (
  SELECT r.*,
         row_number() OVER (
           PARTITION BY r._arrival_day, r.ID, r.PROJECT_ID, r.TIMESTAMP
           ORDER BY r._source_file ASC NULLS LAST, r._record_index ASC NULLS LAST
         ) AS copy_rank
  FROM raw_node_snapshots r
  WHERE r._arrival_day IN (SELECT day FROM run_days)
)

SELECT
  k.ID                                AS node_id,      -- BIGINT: the node (entity) id, no 'syn' prefix
  k.PROJECT_ID                        AS project_id,   -- BIGINT: the project the node is in
  k.NODE_TYPE                         AS node_type,    -- STRING, as given (e.g. 'file', 'table', 'folder')
  timestamp_millis(k.TIMESTAMP)       AS entered_at,   -- TIMESTAMP (UTC): when the node entered project_id
  k._arrival_day                      AS record_date   -- DATE: the snapshot day
FROM recs k
WHERE k.copy_rank = 1
