-- access_records: one row per API call, deduplicated on (session_id, timestamp, method, request_url).
-- grain: that key · partition: day of `timestamp` (UTC) · replaces whole days
-- reads: raw access_records arrival days [day-lateDays, day+lateDays] · bad rows → rejected/access_records
--
-- Derived columns follow Synapse-ETL-Jobs process_access_record.py (2024), quirks included. Portable-SQL
-- rules, and why the rules run per distinct agent/URL and dedup uses copy numbers: docs/stage-contract.md.
WITH files AS (
  -- Each raw file's copy numbers: the files in (_arrival_day, _source_file) order take consecutive
  -- ranges, a record's number is its file's base + _record_index. So copy_ord orders records exactly
  -- as (_arrival_day, _source_file, _record_index) does, and is one BIGINT per record, unique since
  -- (_source_file, _record_index) names one record (stage contract: never NULL either).
  SELECT s._arrival_day, s._source_file,
         CAST(SUM(s.max_index - s.min_index + 1) OVER (
                ORDER BY s._arrival_day ASC NULLS LAST, s._source_file ASC NULLS LAST
                ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
              - (s.max_index - s.min_index + 1) - s.min_index AS BIGINT) AS copy_base
  FROM (SELECT _arrival_day, _source_file, MIN(_record_index) AS min_index, MAX(_record_index) AS max_index
        FROM raw_access_records
        GROUP BY _arrival_day, _source_file) s
),

firsts AS (
  -- the first copy of each key (GROUP BY puts NULLs in one group: a null-safe key). Copies of one
  -- key share their timestamp, hence their day: filtering days first drops no winner.
  SELECT MIN(f.copy_base + r._record_index) AS copy_ord
  FROM raw_access_records r
  JOIN files f ON r._arrival_day = f._arrival_day AND r._source_file = f._source_file
  WHERE CAST(timestamp_millis(r.timestamp) AS DATE) IN (SELECT day FROM run_days)
  GROUP BY r.sessionId, r.timestamp, r.method, r.requestURL
),

kept AS (
  -- (firsts holds only records of run_days: no second day filter)
  SELECT r.*
  FROM raw_access_records r
  JOIN files f ON r._arrival_day = f._arrival_day AND r._source_file = f._source_file
  WHERE f.copy_base + r._record_index IN (SELECT copy_ord FROM firsts)
),

-- ---- per distinct user agent: client, client_version ----------------------------------------------
agents AS (
  SELECT DISTINCT userAgent FROM raw_access_records WHERE userAgent IS NOT NULL
),

agent_folded AS (
  SELECT a.userAgent,
         -- Python's (?i) also equates i with İ/ı and s with ſ: fold those, then lower() + LIKE is exact
         -- (only non-ASCII agents can hold them, so ASCII ones skip the regexes).
         CASE WHEN octet_length(a.userAgent) = length(a.userAgent) THEN lower(a.userAgent)
              ELSE lower(regexp_replace(regexp_replace(a.userAgent, '[\\x{130}\\x{131}]', 'i'), '\\x{17F}', 's'))
         END AS ua_folded
  FROM agents a
),

agent_browsers AS (
  SELECT f.userAgent,
         (f.ua_folded LIKE '%mozilla%' OR f.ua_folded LIKE '%safari%' OR f.ua_folded LIKE '%opera%'
          OR f.ua_folded LIKE '%lynx%' OR f.ua_folded LIKE '%ucweb%' OR f.ua_folded LIKE '%chrome%'
          OR f.ua_folded LIKE '%firefox%') AS has_browser,
         (f.ua_folded LIKE 'mozilla/%' OR f.ua_folded LIKE 'safari/%' OR f.ua_folded LIKE 'opera/%'
          OR f.ua_folded LIKE 'lynx/%' OR f.ua_folded LIKE 'ucweb/%' OR f.ua_folded LIKE 'chrome/%'
          OR f.ua_folded LIKE 'firefox/%') AS starts_with_browser
  FROM agent_folded f
),

agent_clients AS (
  SELECT b.userAgent, b.has_browser, b.starts_with_browser,
         CASE                                                    -- first rule that holds; tokens are case-sensitive
           WHEN b.userAgent IS NULL                                THEN 'UNKNOWN'
           WHEN instr(b.userAgent, 'Synapse-Web-Client') > 0       THEN 'WEB'
           WHEN b.has_browser                                      THEN 'WEB'
           WHEN instr(b.userAgent, 'Synapse-Java-Client') > 0      THEN 'JAVA'
           WHEN instr(b.userAgent, 'Synpase-Java-Client') > 0      THEN 'JAVA'   -- the old misspelling
           WHEN instr(b.userAgent, 'synapser') > 0                 THEN 'SYNAPSER'
           WHEN instr(b.userAgent, 'synapseRClient') > 0           THEN 'R'
           WHEN instr(b.userAgent, 'synapsecommandlineclient') > 0 THEN 'COMMAND_LINE'
           WHEN instr(b.userAgent, 'synapseclient') > 0            THEN 'PYTHON'
           WHEN instr(b.userAgent, 'ELB-HealthChecker') > 0        THEN 'ELB_HEALTHCHECKER'
           WHEN instr(b.userAgent, 'SynapseRepositoryStack') > 0   THEN 'STACK'
           ELSE 'UNKNOWN'
         END AS client
  FROM agent_browsers b
),

agent_dim AS (
  SELECT c.userAgent, c.client,
         -- the run (1+) of non-whitespace chars (Python's \S: outside the header's class) after the
         -- first '<token>/' that has one; NULL for UNKNOWN and where there is none
         NULLIF(CASE c.client
           WHEN 'WEB' THEN CASE
             WHEN c.has_browser THEN CASE                                  -- only '<browser>/' at the very start counts
               WHEN c.starts_with_browser THEN regexp_extract(c.userAgent, '^[^/]*/([^\\x{09}-\\x{0D}\\x{1C}-\\x{20}\\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}]+)', 1) END
             ELSE regexp_extract(c.userAgent, 'Synapse-Web-Client/([^\\x{09}-\\x{0D}\\x{1C}-\\x{20}\\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}]+)', 1) END
           WHEN 'JAVA' THEN CASE
             WHEN c.userAgent LIKE 'Synpase%' THEN regexp_extract(c.userAgent, 'Synpase-Java-Client/([^\\x{09}-\\x{0D}\\x{1C}-\\x{20}\\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}]+)', 1)
             ELSE regexp_extract(c.userAgent, 'Synapse-Java-Client/([^\\x{09}-\\x{0D}\\x{1C}-\\x{20}\\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}]+)', 1) END
           WHEN 'SYNAPSER'          THEN regexp_extract(c.userAgent, 'synapser/([^\\x{09}-\\x{0D}\\x{1C}-\\x{20}\\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}]+)', 1)
           WHEN 'R'                 THEN regexp_extract(c.userAgent, 'synapseRClient/([^\\x{09}-\\x{0D}\\x{1C}-\\x{20}\\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}]+)', 1)
           WHEN 'COMMAND_LINE'      THEN regexp_extract(c.userAgent, 'synapsecommandlineclient/([^\\x{09}-\\x{0D}\\x{1C}-\\x{20}\\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}]+)', 1)
           WHEN 'PYTHON'            THEN regexp_extract(c.userAgent, 'synapseclient/([^\\x{09}-\\x{0D}\\x{1C}-\\x{20}\\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}]+)', 1)
           WHEN 'ELB_HEALTHCHECKER' THEN regexp_extract(c.userAgent, 'ELB-HealthChecker/([^\\x{09}-\\x{0D}\\x{1C}-\\x{20}\\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}]+)', 1)
           WHEN 'STACK'             THEN regexp_extract(c.userAgent, 'SynapseRepositoryStack/([^\\x{09}-\\x{0D}\\x{1C}-\\x{20}\\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}]+)', 1)
         END, '') AS client_version
  FROM agent_clients c
),

-- ---- per distinct request URL: entity_id, the signature (method-free) ------------------------------
urls AS (
  SELECT DISTINCT requestURL
  FROM raw_access_records
  WHERE requestURL IS NOT NULL AND CAST(timestamp_millis(timestamp) AS DATE) IN (SELECT day FROM run_days)
),

url_lowered AS (
  SELECT u.requestURL, lower(u.requestURL) AS url_lower
  FROM urls u
),

url_marks AS (
  SELECT l.requestURL, l.url_lower,
         -- Percent-decoding as Python's unquote (UTF-8, errors='replace', stray '%' and '+' kept), made
         -- safe for Spark's url_decode (throws on a stray '%', decodes '+' as space) and DuckDB's
         -- (throws on invalid UTF-8). One scan splits the %xx bytes into units as a UTF-8 decoder does:
         -- a complete sequence (RFC 3629 ranges; group 1), else one maximal invalid subpart (a lead byte
         -- with the continuations it accepts, or one stray byte; group 2). They become 'YZ<valid>' and
         -- 'Y<invalid>Z': lower() left no ASCII capital, so Y and Z are free as marks.
         CASE WHEN instr(l.url_lower, '%') > 0 THEN regexp_replace(l.url_lower,
           '(%[0-7][0-9a-f]|%c[2-9a-f]%[89ab][0-9a-f]|%d[0-9a-f]%[89ab][0-9a-f]'
           || '|%e0%[ab][0-9a-f]%[89ab][0-9a-f]|%e[1-9a-cef]%[89ab][0-9a-f]%[89ab][0-9a-f]'
           || '|%ed%[89][0-9a-f]%[89ab][0-9a-f]|%f0%[9ab][0-9a-f]%[89ab][0-9a-f]%[89ab][0-9a-f]'
           || '|%f[1-3]%[89ab][0-9a-f]%[89ab][0-9a-f]%[89ab][0-9a-f]|%f4%8[0-9a-f]%[89ab][0-9a-f]%[89ab][0-9a-f])'
           || '|(%e0%[ab][0-9a-f]|%e[1-9a-cef]%[89ab][0-9a-f]|%ed%[89][0-9a-f]'
           || '|%f0%[9ab][0-9a-f](?:%[89ab][0-9a-f])?|%f[1-3]%[89ab][0-9a-f](?:%[89ab][0-9a-f])?'
           || '|%f4%8[0-9a-f](?:%[89ab][0-9a-f])?|%[89a-f][0-9a-f])',
           'Y$2Z$1') END AS url_marked
  FROM url_lowered l
),

url_repaired AS (
  SELECT m.requestURL, m.url_lower,
         -- each invalid unit becomes one U+FFFD (as Python's and Java's decoders do), the marks go, and
         -- '+' and a '%' without two hex digits are escaped so that url_decode keeps them.
         regexp_replace(
           replace(replace(replace(regexp_replace(m.url_marked, 'Y[^Z]+Z', '%ef%bf%bd'), 'YZ', ''), '+', '%2b'), '%', '%25'),
           '%25([0-9a-f]{2})', '%$1') AS url_escaped
  FROM url_marks m
),

url_compacted AS (
  SELECT p.requestURL, p.url_lower,
         regexp_replace(
           CASE WHEN p.url_escaped IS NULL THEN p.url_lower ELSE url_decode(p.url_escaped) END,
           '[\\x{09}-\\x{0D}\\x{1C}-\\x{20}\\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}]',
           '') AS url_compact
  FROM url_repaired p
),

url_paths AS (
  SELECT c.requestURL, c.url_lower,
         -- the text after the first '/v1' of '/v1/' (starts with '/'); NULL: no '/v1/', or no URL
         CASE WHEN instr(c.url_compact, '/v1/') > 0
              THEN substring(c.url_compact, instr(c.url_compact, '/v1/') + 3) END AS sig_path
  FROM url_compacted c
),

url_words AS (
  SELECT w.requestURL, w.url_lower, w.sig_path,
         -- drop ';' with what follows up to the next '/', and every char but letters, numbers, '_', '/'
         -- (Python's \w is exactly [\p{L}\p{N}_]): one scan does both, as ';' is such a char and
         -- the left alternative wins at a ';'. A '/' sentinel closes the last word.
         regexp_replace(w.sig_path, ';[^/]+|[^\\p{L}\\p{N}_/]', '') || '/' AS word_path
  FROM url_paths w
),

url_ids AS (
  SELECT d.requestURL, d.url_lower, d.sig_path,
         -- '#' for every word that is syn|fh + digits, or that starts with a digit (the reference's two
         -- regexes together). A digit word is matched whole by the greedy class; a syn|fh word must be
         -- followed by '/' (no look-ahead), which the match eats and puts back, so the word right after
         -- it is skipped: the second pass, anchored on the '#/' before it, takes those.
         regexp_replace(
           regexp_replace(d.word_path, '/(?:(?:syn|fh)\\p{Nd}+(/)|\\p{Nd}[\\p{L}\\p{N}_]*)', '/#$1'),
           '#/(?:(?:syn|fh)\\p{Nd}+(/)|\\p{Nd}[\\p{L}\\p{N}_]*)', '#/#$1') AS id_path
  FROM url_words d
),

url_dim AS (
  SELECT i.requestURL,
         -- digits after the first '/entity/' (+ optional 'syn') of the lower-cased raw URL; NULL past
         -- 2^63-1 (Python's int > sys.maxsize) and for non-ASCII digits, which neither engine's cast reads.
         CASE WHEN instr(i.url_lower, '/entity/') > 0
              THEN TRY_CAST(NULLIF(regexp_extract(i.url_lower, '/entity/(?:syn)?(\\p{Nd}+)', 1), '') AS BIGINT)
         END AS entity_id,
         CASE
           WHEN i.sig_path IS NULL                              THEN 'INVALID URL'
           WHEN i.sig_path LIKE '/entity/md5%'                  THEN '/entity/md5/#'
           WHEN i.sig_path LIKE '/evaluation/name%'             THEN '/evaluation/name/#'
           WHEN i.sig_path LIKE '/entity/alias%'                THEN '/entity/alias/#'
           WHEN i.sig_path LIKE '/2fa%'                         THEN i.sig_path
           WHEN i.sig_path LIKE '/user/bundle%'                 THEN '/user/bundle'
           WHEN instr(i.sig_path, '/access/') > 0               THEN '/objects/#/access/#'
           WHEN instr(i.sig_path, '/schema/type/registered/') > 0 THEN '/schema/type/registered/#'
           ELSE substring(i.id_path, 1, length(i.id_path) - 1)                -- minus the sentinel '/'
         END AS signature
  FROM url_ids i
)

SELECT
  k.sessionId                                    AS session_id,           -- STRING, never NULL
  timestamp_millis(k.timestamp)                  AS timestamp,            -- TIMESTAMP (UTC) of epoch ms
  k.userId                                       AS user_id,              -- BIGINT
  k.method                                       AS method,               -- STRING, as given
  k.requestURL                                   AS request_url,          -- STRING, as given
  k.userAgent                                    AS user_agent,           -- STRING
  k.host                                         AS host,                 -- STRING
  k.origin                                       AS origin,               -- STRING
  k.via                                          AS via,                  -- STRING
  k.responseStatus                               AS response_status,      -- BIGINT (HTTP status)
  k.success                                      AS success,              -- BOOLEAN
  k.stack                                        AS stack,                -- STRING
  TRIM(LEADING '0' FROM k.instance)              AS instance,             -- STRING, '000000503' → '503'
  k.elapseMS                                     AS elapse_ms,            -- BIGINT, milliseconds
  k.threadId                                     AS thread_id,            -- BIGINT
  k.vmId                                         AS vm_id,                -- STRING
  k.queryString                                  AS query_string,         -- STRING
  k.xforwardedFor                                AS x_forwarded_for,      -- STRING
  k.returnObjectId                               AS return_object_id,     -- STRING
  k.oauthClientId                                AS oauth_client_id,      -- STRING
  k.basicAuthUsername                            AS basic_auth_username,  -- STRING
  k.authenticationMethod                         AS auth_method,          -- STRING
  COALESCE(a.client, 'UNKNOWN')                  AS client,               -- STRING: WEB, JAVA, … or UNKNOWN
  a.client_version                               AS client_version,       -- STRING
  u.entity_id                                    AS entity_id,            -- BIGINT
  k.method || ' ' || COALESCE(u.signature, 'INVALID URL') AS normalized_method_signature, -- STRING; NULL method → NULL
  CAST(timestamp_millis(k.timestamp) AS DATE)    AS record_date           -- DATE: UTC day of `timestamp`
FROM kept k
-- every non-NULL value of kept has exactly one row in its dimension (whose client / signature is never
-- NULL), so the joins neither drop nor repeat rows; a NULL agent / URL finds none, and gets the rules'
-- values for it above: client UNKNOWN, client_version NULL; entity_id NULL, signature INVALID URL.
LEFT JOIN agent_dim a ON k.userAgent = a.userAgent
LEFT JOIN url_dim u ON k.requestURL = u.requestURL
