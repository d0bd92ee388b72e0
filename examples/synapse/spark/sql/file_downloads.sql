-- file_downloads: one row per download of a FileEntity or TableEntity, deduplicated on (timestamp, userId, fileHandleId, associateType, associateId).
-- grain: that key · partition: day of `timestamp` (UTC) · replaces whole days
-- reads: raw file_downloads arrival days [day-lateDays, day+lateDays]; processed node_snapshots days [day-1, day+1] · bad rows → rejected/file_downloads
--
-- associateId parsed as Synapse-ETL-Jobs does; project_id point-in-time from the node_snapshots of days
-- [day-1, day+1] (keep in step with `reads` in lakestep.config.yml). The rules: docs/stage-contract.md.
WITH ids AS (
  SELECT r.*,
         regexp_extract(
           regexp_replace(r.associateId,
             '^[\\x{09}-\\x{0D}\\x{1C}-\\x{20}\\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}]+|[\\x{09}-\\x{0D}\\x{1C}-\\x{20}\\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}]+$',
             ''),
           '^(syn)?([0-9]+)([.][0-9]+)?$', 2) AS assoc_digits
  FROM raw_file_downloads r
),

recs AS (
  SELECT r.*,
         row_number() OVER (
           PARTITION BY r.timestamp, r.userId, r.fileHandleId, r.associateType, r.associateId
           ORDER BY r._arrival_day ASC NULLS LAST, r._source_file ASC NULLS LAST, r._record_index ASC NULLS LAST
         ) AS copy_rank
  FROM ids r
  WHERE r.associateType IN ('FileEntity', 'TableEntity')
    AND CAST(timestamp_millis(r.timestamp) AS DATE) IN (SELECT day FROM run_days)
),

kept AS (
  SELECT k.timestamp, k.userId, k.fileHandleId, k.downloadedFileHandleId, k.associateType, k.associateId, k.projectId, k.stack, k.instance,
         CASE WHEN k.assoc_digits <> '' THEN TRY_CAST(k.assoc_digits AS BIGINT) END AS node_id,
         CASE WHEN k.assoc_digits <> '' THEN 'syn' || regexp_extract(k.assoc_digits, '^0*([0-9]+)$', 1) END AS syn_id,
         timestamp_millis(k.timestamp) AS event_at,
         CAST(timestamp_millis(k.timestamp) AS DATE) AS event_day
  FROM recs k
  WHERE k.copy_rank = 1
),

-- one row per project spell of a node and dump day (dumps repeat unchanged nodes day after day)
spells AS (
  SELECT DISTINCT s.node_id, s.project_id, s.entered_at, s.record_date
  FROM node_snapshots s
  WHERE s.node_id IN (SELECT node_id FROM kept)
),

candidates AS (
  SELECT k.*, s.project_id,
         row_number() OVER (
           PARTITION BY k.timestamp, k.userId, k.fileHandleId, k.associateType, k.associateId
           ORDER BY s.entered_at DESC NULLS LAST, s.project_id ASC NULLS LAST
         ) AS spell_rank
  FROM kept k
  LEFT JOIN spells s
    ON s.node_id = k.node_id
   AND s.entered_at <= k.event_at
   AND s.record_date BETWEEN date_sub(k.event_day, 1) AND date_add(k.event_day, 1)
)

SELECT
  c.event_at                          AS timestamp,               -- TIMESTAMP (UTC) of epoch ms
  c.userId                            AS user_id,                 -- BIGINT
  c.fileHandleId                      AS file_handle_id,          -- BIGINT
  coalesce(c.downloadedFileHandleId, c.fileHandleId) AS downloaded_file_handle_id, -- BIGINT: the record's, else file_handle_id
  coalesce(c.project_id, c.projectId) AS project_id,              -- BIGINT: project of the node at `timestamp` (else the record's); NULL = unattributed
  c.associateType                     AS association_object_type, -- STRING: 'FileEntity' or 'TableEntity'
  c.syn_id                            AS association_object_id,   -- STRING: 'syn' + the associateId's id, e.g. 'syn2345678'; NULL when it is none
  c.stack                             AS stack,                   -- STRING, as given
  c.instance                          AS instance,                -- STRING, as given
  c.event_day                         AS record_date              -- DATE: UTC day of `timestamp`
FROM candidates c
WHERE c.spell_rank = 1
