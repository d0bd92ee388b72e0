/**
 * A parsed leaf's kind and text (the same in both engines), and the lenient casts from them to the
 * declared types (docs/raw-records.md, "Casts"). Pure SQL text.
 */
import { NUMBER_MARK } from './contract';
import type { Leaf, SqlDialect } from './dialects';

/** Any timestamp value: years 0001…9999, as epoch microseconds [TIMESTAMP_MIN_US, TIMESTAMP_MAX_US). */
export const TIMESTAMP_MIN_US = -62_135_596_800_000_000;
export const TIMESTAMP_MAX_US = 253_402_300_800_000_000;

const WS = '[ \\t\\n\\r]*';
/** a string holding an integer: optional sign and digits, surrounding whitespace ignored */
const INT_TEXT = `^${WS}([+-]?[0-9]+)${WS}\\z`;
/** a string holding a number (JSON's, plus a leading + or . and a trailing .) */
const NUM_TEXT = `^${WS}([+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?)${WS}\\z`;
/** ISO-8601 date and time: groups 1 date, 2 hh:mm, 4 :ss, 5 .fraction, 6 zone (3, 7, 8 inner) */
const ISO_TEXT =
  '^([0-9]{4}-[0-9]{2}-[0-9]{2})[T ](([01][0-9]|2[0-3]):[0-5][0-9])(:[0-5][0-9])?([.][0-9]+)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)?\\z';

/** (kind, text) of leaf k: `k<k>` in n/s/o (NULL: null or absent), `s<k>` the text. */
export function kindAndText(leaf: Leaf, k: number, d: SqlDialect): { kind: string; text: string } {
  const c = `c${k}`;
  if (d.name === 'duckdb') {
    // c: the leaf's JSON text. A string is unescaped (cheaply when it holds no escape).
    const unescaped = `CASE WHEN contains(${c}, '\\') THEN json_extract_string(${c}, '$') ELSE ${c}[2:-2] END`;
    return {
      kind: `CASE WHEN ${c} IS NULL OR ${c} = 'null' THEN NULL
             WHEN ${c}[1] = '"' THEN CASE WHEN ${c}[2:7] = '\\u0001' THEN 'n' ELSE 's' END
             WHEN ${c}[1] IN ('{', '[') THEN 'o' WHEN ${c} IN ('true', 'false') THEN 's' ELSE 'n' END`,
      text: `CASE WHEN ${c} IS NULL OR ${c} = 'null' THEN NULL
             WHEN ${c}[2:7] = '\\u0001' AND ${c}[1] = '"' THEN ${c}[8:-2]
             WHEN ${c}[1] = '"' THEN ${unescaped} ELSE ${c} END`,
    };
  }
  // c: the STRING leaf (strings unescaped, marked numbers start with NUMBER_MARK, the rest JSON text).
  const objectProbe = leaf.type === 'string' ? `WHEN o${k} THEN 'o' ` : '';
  return {
    kind: `CASE WHEN ${c} IS NULL THEN NULL WHEN substr(${c}, 1, 1) = chr(${NUMBER_MARK.charCodeAt(0)}) THEN 'n' ${objectProbe}ELSE 's' END`,
    text: `CASE WHEN substr(${c}, 1, 1) = chr(${NUMBER_MARK.charCodeAt(0)}) THEN substr(${c}, 2) ELSE ${c} END`,
  };
}

/** Typed value of a column from its kind `q` and text `s`; NULL when absent or not castable. */
export function castSql(leaf: Leaf, q: string, s: string, d: SqlDialect): string {
  const noDotOrExp = `instr(${s}, '.') = 0 AND instr(${s}, 'e') = 0 AND instr(${s}, 'E') = 0`;
  const intText = d.regexpExtract(s, INT_TEXT, 1);
  const numText = d.regexpExtract(s, NUM_TEXT, 1);
  switch (leaf.type) {
    case 'string':
      return `CASE WHEN ${q} <> 'o' THEN ${s} END`;
    case 'bigint': {
      // An integral number (104, 104.0, 1e3) within signed 64 bits; a string of sign and digits.
      const asDouble = `TRY_CAST(${s} AS DOUBLE)`;
      const integral = `CASE WHEN ${asDouble} = floor(${asDouble}) AND ${asDouble} >= -9223372036854775808.0 AND ${asDouble} < 9223372036854775808.0 THEN CAST(${asDouble} AS BIGINT) END`;
      return `CASE WHEN ${q} = 'n' THEN CASE WHEN ${noDotOrExp} THEN TRY_CAST(${s} AS BIGINT) ELSE ${integral} END
             WHEN ${q} = 's' THEN TRY_CAST(${intText} AS BIGINT) END`;
    }
    case 'double': {
      const value = `CASE WHEN ${q} = 'n' THEN TRY_CAST(${s} AS DOUBLE) WHEN ${q} = 's' THEN TRY_CAST(${numText} AS DOUBLE) END`;
      // finite only (1e400 is not a double; NaN sorts above every number in both engines)
      return `CASE WHEN abs(${value}) <= 1.7976931348623157e308 THEN ${value} END`;
    }
    case 'boolean':
      return `CASE WHEN ${q} = 's' AND lower(${s}) = 'true' THEN true WHEN ${q} = 's' AND lower(${s}) = 'false' THEN false END`;
    case 'timestamp':
      return d.timestampFromMicros(timestampMicrosSql(leaf, q, s, d));
  }
}

/** Epoch microseconds of a timestamp column's value: a number of ms (or s) or ISO-8601 text; NULL otherwise or outside years 1…9999. */
function timestampMicrosSql(leaf: Leaf, q: string, s: string, d: SqlDialect): string {
  const perUnit = leaf.unit === 's' ? 1_000_000 : 1_000;
  const epoch = `TRY_CAST(CASE WHEN ${q} = 'n' THEN ${s} ELSE ${d.regexpExtract(s, NUM_TEXT, 1)} END AS DECIMAL(38, 9))`;
  const [lo, hi] = [TIMESTAMP_MIN_US / perUnit, TIMESTAMP_MAX_US / perUnit];
  const fromEpoch = `CASE WHEN ${epoch} >= ${lo} AND ${epoch} < ${hi} THEN CAST(round(${epoch} * ${perUnit}, 0) AS BIGINT) END`;
  const g = (n: number) => d.regexpExtract(s, ISO_TEXT, n);
  // local = 'YYYY-MM-DD hh:mm:ss[.ffffff]' (fraction cut to microseconds), then the zone's offset.
  const local = `${g(1)} || ' ' || ${g(2)} || CASE WHEN ${g(4)} = '' THEN ':00' ELSE ${g(4)} END || CASE WHEN ${g(5)} = '' THEN '' ELSE substr(${g(5)} || '00000', 1, 7) END`;
  const zone = g(6);
  const offsetMinutes = `CASE WHEN ${zone} IN ('', 'Z') THEN 0 ELSE (CASE WHEN substr(${zone}, 1, 1) = '-' THEN -1 ELSE 1 END) *
      (CAST(substr(${zone}, 2, 2) AS INT) * 60 + CASE length(${zone}) WHEN 6 THEN CAST(substr(${zone}, 5, 2) AS INT) WHEN 5 THEN CAST(substr(${zone}, 4, 2) AS INT) ELSE 0 END) END`;
  const fromIso = `CASE WHEN ${g(1)} <> '' THEN ${d.microsOfTimestamp(`TRY_CAST(${local} AS TIMESTAMP)`)} - CAST(${offsetMinutes} AS BIGINT) * 60000000 END`;
  const micros = `CASE WHEN ${q} = 'n' OR (${q} = 's' AND ${d.regexpExtract(s, NUM_TEXT, 1)} <> '') THEN ${fromEpoch} WHEN ${q} = 's' THEN ${fromIso} END`;
  return `CASE WHEN ${micros} >= ${TIMESTAMP_MIN_US} AND ${micros} < ${TIMESTAMP_MAX_US} THEN ${micros} END`;
}
