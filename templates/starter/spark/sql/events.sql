-- events: one row per event, deduplicated on event_id.
-- grain: event_id · partition: day of `event_time` (UTC) · replaces whole days
-- reads: raw events arrival days [day-lateDays, day+lateDays] · bad rows → rejected/events
--
-- raw_events holds the valid records of the step's arrival days, one column per declared raw column;
-- run_days the days this step computes. Copies of an event keep the first one that arrived.
WITH recs AS (
  SELECT r.*,
         row_number() OVER (
           PARTITION BY r.eventId
           ORDER BY r._arrival_day ASC NULLS LAST, r._source_file ASC NULLS LAST, r._record_index ASC NULLS LAST
         ) AS copy_rank
  FROM raw_events r
  WHERE CAST(r.eventTime AS DATE) IN (SELECT day FROM run_days)
)

SELECT
  k.eventId                     AS event_id,     -- STRING: the producer's event id
  k.eventType                   AS event_type,   -- STRING, as sent
  k.eventTime                   AS event_time,   -- TIMESTAMP (UTC)
  k.userId                      AS user_id,      -- BIGINT (NULL when absent)
  CAST(k.eventTime AS DATE)     AS record_date   -- DATE: UTC day of event_time
FROM recs k
WHERE k.copy_rank = 1
