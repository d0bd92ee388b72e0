-- access_records: one row per API call, deduplicated on (session_id, timestamp, method, request_url).
-- grain: that key · partition: day of `timestamp` (UTC) · replaces whole days
-- reads: raw access_records arrival days [day-lateDays, day+lateDays] · bad rows → rejected/access_records
--
-- Derived columns follow Sage-Bionetworks/Synapse-ETL-Jobs process_access_record.py (2024), quirks
-- included; the rules are issue 6, "Dataset: access_records". One text runs on Spark 3.5 and on DuckDB
-- (src/local/duckdb/prelude.ts gives DuckDB the Spark names used here). Portability rules kept below:
--   * regex literals double their backslashes ('\\p{L}'): Spark's parser turns '\\' into '\' and the
--     prelude does the same for DuckDB's regexp_* calls; no other literal holds a backslash;
--   * regexes mean the same in Java and RE2: no look-around, no \b \w \s \d (ASCII in one engine,
--     Unicode in the other or in the reference's Python), no '.' or '$' (line-terminator rules differ);
--     replacement groups are written $n (the prelude rewrites them for RE2);
--   * '||' instead of concat() (DuckDB's concat skips NULLs, Spark's returns NULL).
-- "Whitespace" is Python's str.isspace() set, spelled out:
--   [\\x{09}-\\x{0D}\\x{1C}-\\x{20}\\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}]
WITH ranked AS (
  -- Copies of one key share their timestamp, hence their day: filtering days first drops no winner.
  SELECT r.*,
         ROW_NUMBER() OVER (
           PARTITION BY r.sessionId, r.timestamp, r.method, r.requestURL  -- NULLs share a partition: null-safe key
           ORDER BY r._arrival_day ASC NULLS LAST, r._source_file ASC NULLS LAST, r._record_index ASC NULLS LAST
         ) AS copy_rank
  FROM raw_access_records r
  WHERE CAST(timestamp_millis(r.timestamp) AS DATE) IN (SELECT day FROM run_days)
),

folded AS (
  SELECT k.*,
         lower(k.requestURL) AS url_lower,
         -- Python's (?i) also equates i with İ/ı and s with ſ: fold those, then lower() + LIKE is exact
         -- (only non-ASCII agents can hold them, so ASCII ones skip the regexes).
         CASE WHEN octet_length(k.userAgent) = length(k.userAgent) THEN lower(k.userAgent)
              ELSE lower(regexp_replace(regexp_replace(k.userAgent, '[\\x{130}\\x{131}]', 'i'), '\\x{17F}', 's'))
         END AS ua_folded
  FROM ranked k
  WHERE k.copy_rank = 1
),

browsers AS (
  SELECT f.*,
         (f.ua_folded LIKE '%mozilla%' OR f.ua_folded LIKE '%safari%' OR f.ua_folded LIKE '%opera%'
          OR f.ua_folded LIKE '%lynx%' OR f.ua_folded LIKE '%ucweb%' OR f.ua_folded LIKE '%chrome%'
          OR f.ua_folded LIKE '%firefox%') AS has_browser,
         (f.ua_folded LIKE 'mozilla/%' OR f.ua_folded LIKE 'safari/%' OR f.ua_folded LIKE 'opera/%'
          OR f.ua_folded LIKE 'lynx/%' OR f.ua_folded LIKE 'ucweb/%' OR f.ua_folded LIKE 'chrome/%'
          OR f.ua_folded LIKE 'firefox/%') AS starts_with_browser,
         -- Percent-decoding as Python's unquote (UTF-8, errors='replace', stray '%' and '+' kept), made
         -- safe for Spark's url_decode (throws on a stray '%', decodes '+' as space) and DuckDB's
         -- (throws on invalid UTF-8). One scan splits the %xx bytes into units as a UTF-8 decoder does:
         -- a complete sequence (RFC 3629 ranges; group 1), else one maximal invalid subpart (a lead byte
         -- with the continuations it accepts, or one stray byte; group 2). They become 'YZ<valid>' and
         -- 'Y<invalid>Z': lower() left no ASCII capital, so Y and Z are free as marks.
         CASE WHEN instr(f.url_lower, '%') > 0 THEN regexp_replace(f.url_lower,
           '(%[0-7][0-9a-f]|%c[2-9a-f]%[89ab][0-9a-f]|%d[0-9a-f]%[89ab][0-9a-f]'
           || '|%e0%[ab][0-9a-f]%[89ab][0-9a-f]|%e[1-9a-cef]%[89ab][0-9a-f]%[89ab][0-9a-f]'
           || '|%ed%[89][0-9a-f]%[89ab][0-9a-f]|%f0%[9ab][0-9a-f]%[89ab][0-9a-f]%[89ab][0-9a-f]'
           || '|%f[1-3]%[89ab][0-9a-f]%[89ab][0-9a-f]%[89ab][0-9a-f]|%f4%8[0-9a-f]%[89ab][0-9a-f]%[89ab][0-9a-f])'
           || '|(%e0%[ab][0-9a-f]|%e[1-9a-cef]%[89ab][0-9a-f]|%ed%[89][0-9a-f]'
           || '|%f0%[9ab][0-9a-f](?:%[89ab][0-9a-f])?|%f[1-3]%[89ab][0-9a-f](?:%[89ab][0-9a-f])?'
           || '|%f4%8[0-9a-f](?:%[89ab][0-9a-f])?|%[89a-f][0-9a-f])',
           'Y$2Z$1') END AS url_marked
  FROM folded f
),

repaired AS (
  SELECT b.*,
         -- each invalid unit becomes one U+FFFD (as Python's and Java's decoders do), the marks go, and
         -- '+' and a '%' without two hex digits are escaped so that url_decode keeps them.
         regexp_replace(
           replace(replace(replace(regexp_replace(b.url_marked, 'Y[^Z]+Z', '%ef%bf%bd'), 'YZ', ''), '+', '%2b'), '%', '%25'),
           '%25([0-9a-f]{2})', '%$1') AS url_escaped
  FROM browsers b
),

compacted AS (
  SELECT p.*,
         regexp_replace(
           CASE WHEN p.url_escaped IS NULL THEN p.url_lower ELSE url_decode(p.url_escaped) END,
           '[\\x{09}-\\x{0D}\\x{1C}-\\x{20}\\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}]',
           '') AS url_compact
  FROM repaired p
),

paths AS (
  SELECT c.*,
         -- the text after the first '/v1' of '/v1/' (starts with '/'); NULL: no '/v1/', or no URL
         CASE WHEN instr(c.url_compact, '/v1/') > 0
              THEN substring(c.url_compact, instr(c.url_compact, '/v1/') + 3) END AS sig_path
  FROM compacted c
),

words AS (
  SELECT w.*,
         -- drop ';' with what follows up to the next '/', and every char but letters, numbers, '_', '/'
         -- (Python's \w is exactly [\p{L}\p{N}_]): one scan does both, as ';' is such a char and
         -- the left alternative wins at a ';'. A '/' sentinel closes the last word.
         regexp_replace(w.sig_path, ';[^/]+|[^\\p{L}\\p{N}_/]', '') || '/' AS word_path
  FROM paths w
),

ids AS (
  SELECT d.*,
         -- '#' for every word that is syn|fh + digits, or that starts with a digit (the reference's two
         -- regexes together). A digit word is matched whole by the greedy class; a syn|fh word must be
         -- followed by '/' (no look-ahead), which the match eats and puts back, so the word right after
         -- it is skipped: the second pass, anchored on the '#/' before it, takes those.
         regexp_replace(
           regexp_replace(d.word_path, '/(?:(?:syn|fh)\\p{Nd}+(/)|\\p{Nd}[\\p{L}\\p{N}_]*)', '/#$1'),
           '#/(?:(?:syn|fh)\\p{Nd}+(/)|\\p{Nd}[\\p{L}\\p{N}_]*)', '#/#$1') AS id_path
  FROM words d
),

clients AS (
  SELECT i.*,
         CASE                                                    -- first rule that holds; tokens are case-sensitive
           WHEN i.userAgent IS NULL                                THEN 'UNKNOWN'
           WHEN instr(i.userAgent, 'Synapse-Web-Client') > 0       THEN 'WEB'
           WHEN i.has_browser                                      THEN 'WEB'
           WHEN instr(i.userAgent, 'Synapse-Java-Client') > 0      THEN 'JAVA'
           WHEN instr(i.userAgent, 'Synpase-Java-Client') > 0      THEN 'JAVA'   -- the old misspelling
           WHEN instr(i.userAgent, 'synapser') > 0                 THEN 'SYNAPSER'
           WHEN instr(i.userAgent, 'synapseRClient') > 0           THEN 'R'
           WHEN instr(i.userAgent, 'synapsecommandlineclient') > 0 THEN 'COMMAND_LINE'
           WHEN instr(i.userAgent, 'synapseclient') > 0            THEN 'PYTHON'
           WHEN instr(i.userAgent, 'ELB-HealthChecker') > 0        THEN 'ELB_HEALTHCHECKER'
           WHEN instr(i.userAgent, 'SynapseRepositoryStack') > 0   THEN 'STACK'
           ELSE 'UNKNOWN'
         END AS client
  FROM ids i
)

SELECT
  sessionId                                      AS session_id,           -- STRING, never NULL
  timestamp_millis(timestamp)                    AS timestamp,            -- TIMESTAMP (UTC) of epoch ms
  userId                                         AS user_id,              -- BIGINT
  method                                         AS method,               -- STRING, as given
  requestURL                                     AS request_url,          -- STRING, as given
  userAgent                                      AS user_agent,           -- STRING
  host                                           AS host,                 -- STRING
  origin                                         AS origin,               -- STRING
  via                                            AS via,                  -- STRING
  responseStatus                                 AS response_status,      -- BIGINT (HTTP status)
  success                                        AS success,              -- BOOLEAN
  stack                                          AS stack,                -- STRING
  TRIM(LEADING '0' FROM instance)                AS instance,             -- STRING, '000000503' → '503'
  elapseMS                                       AS elapse_ms,            -- BIGINT, milliseconds
  threadId                                       AS thread_id,            -- BIGINT
  vmId                                           AS vm_id,                -- STRING
  queryString                                    AS query_string,         -- STRING
  xforwardedFor                                  AS x_forwarded_for,      -- STRING
  returnObjectId                                 AS return_object_id,     -- STRING
  oauthClientId                                  AS oauth_client_id,      -- STRING
  basicAuthUsername                              AS basic_auth_username,  -- STRING
  authenticationMethod                           AS auth_method,          -- STRING
  client                                         AS client,               -- STRING: WEB, JAVA, … or UNKNOWN
  -- STRING: the run (1+) of non-whitespace chars (Python's \S: outside the header's class) after the
  -- first '<token>/' that has one; NULL for UNKNOWN and where there is none
  NULLIF(CASE client
    WHEN 'WEB' THEN CASE
      WHEN has_browser THEN CASE                                          -- only '<browser>/' at the very start counts
        WHEN starts_with_browser THEN regexp_extract(userAgent, '^[^/]*/([^\\x{09}-\\x{0D}\\x{1C}-\\x{20}\\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}]+)', 1) END
      ELSE regexp_extract(userAgent, 'Synapse-Web-Client/([^\\x{09}-\\x{0D}\\x{1C}-\\x{20}\\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}]+)', 1) END
    WHEN 'JAVA' THEN CASE
      WHEN userAgent LIKE 'Synpase%' THEN regexp_extract(userAgent, 'Synpase-Java-Client/([^\\x{09}-\\x{0D}\\x{1C}-\\x{20}\\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}]+)', 1)
      ELSE regexp_extract(userAgent, 'Synapse-Java-Client/([^\\x{09}-\\x{0D}\\x{1C}-\\x{20}\\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}]+)', 1) END
    WHEN 'SYNAPSER'          THEN regexp_extract(userAgent, 'synapser/([^\\x{09}-\\x{0D}\\x{1C}-\\x{20}\\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}]+)', 1)
    WHEN 'R'                 THEN regexp_extract(userAgent, 'synapseRClient/([^\\x{09}-\\x{0D}\\x{1C}-\\x{20}\\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}]+)', 1)
    WHEN 'COMMAND_LINE'      THEN regexp_extract(userAgent, 'synapsecommandlineclient/([^\\x{09}-\\x{0D}\\x{1C}-\\x{20}\\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}]+)', 1)
    WHEN 'PYTHON'            THEN regexp_extract(userAgent, 'synapseclient/([^\\x{09}-\\x{0D}\\x{1C}-\\x{20}\\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}]+)', 1)
    WHEN 'ELB_HEALTHCHECKER' THEN regexp_extract(userAgent, 'ELB-HealthChecker/([^\\x{09}-\\x{0D}\\x{1C}-\\x{20}\\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}]+)', 1)
    WHEN 'STACK'             THEN regexp_extract(userAgent, 'SynapseRepositoryStack/([^\\x{09}-\\x{0D}\\x{1C}-\\x{20}\\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}]+)', 1)
  END, '')                                       AS client_version,
  -- BIGINT: digits after the first '/entity/' (+ optional 'syn') of the lower-cased raw URL; NULL past
  -- 2^63-1 (Python's int > sys.maxsize) and for non-ASCII digits, which neither engine's cast reads.
  CASE WHEN instr(url_lower, '/entity/') > 0
       THEN TRY_CAST(NULLIF(regexp_extract(url_lower, '/entity/(?:syn)?(\\p{Nd}+)', 1), '') AS BIGINT)
  END                                            AS entity_id,
  method || ' ' || CASE                                                   -- STRING: '<method> <signature>'; NULL method → NULL
    WHEN sig_path IS NULL                              THEN 'INVALID URL'
    WHEN sig_path LIKE '/entity/md5%'                  THEN '/entity/md5/#'
    WHEN sig_path LIKE '/evaluation/name%'             THEN '/evaluation/name/#'
    WHEN sig_path LIKE '/entity/alias%'                THEN '/entity/alias/#'
    WHEN sig_path LIKE '/2fa%'                         THEN sig_path
    WHEN sig_path LIKE '/user/bundle%'                 THEN '/user/bundle'
    WHEN instr(sig_path, '/access/') > 0               THEN '/objects/#/access/#'
    WHEN instr(sig_path, '/schema/type/registered/') > 0 THEN '/schema/type/registered/#'
    ELSE substring(id_path, 1, length(id_path) - 1)                       -- minus the sentinel '/'
  END                                            AS normalized_method_signature,
  CAST(timestamp_millis(timestamp) AS DATE)      AS record_date           -- DATE: UTC day of `timestamp`
FROM clients
