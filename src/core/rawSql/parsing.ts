/**
 * How each engine parses a record's text into the declared paths: Spark one `from_json` per record
 * (per-leaf parses only for records whose path crosses a non-object), DuckDB `json_transform`
 * (docs/raw-records.md, "The generated statements"). Pure SQL text.
 */
import { INVALID_FLAGS, RAW_RELATIONS } from './contract';
import { DIALECTS, type Leaf, type SqlDialect } from './dialects';

/** Spark's from_json corrupt-record column (never a declared name: those cannot start with `__`… unless they do, see leavesOf). */
export const CORRUPT = '__lakestep_corrupt';

/** key → subtree (a leaf is an empty map); insertion order = first declaration. */
type PathTree = Map<string, PathTree>;
export function pathTree(leaves: Leaf[]): PathTree {
  const root: PathTree = new Map();
  for (const leaf of leaves) {
    let node = root;
    for (const segment of leaf.segments) {
      if (!node.has(segment)) node.set(segment, new Map());
      node = node.get(segment)!;
    }
  }
  return root;
}

// ---------------------------------------------------------------------------------------------------
// Parsing: f, i, n, t, invalid, c0…ck (leaf k: DuckDB its JSON text, Spark its STRING value)

/** DuckDB's type text of a subtree: leaves JSON (text as written, kind by first character). */
export function duckdbStructType(tree: PathTree): string {
  if (tree.size === 0) return 'JSON';
  return `STRUCT(${[...tree].map(([key, sub]) => `${DIALECTS.duckdb.ident(key)} ${duckdbStructType(sub)}`).join(', ')})`;
}

/** json_transform's structure argument of a subtree. */
function duckdbTransformShape(tree: PathTree): unknown {
  return tree.size === 0 ? 'JSON' : Object.fromEntries([...tree].map(([key, sub]) => [key, duckdbTransformShape(sub)]));
}

export function duckdbParsedSql(leaves: Leaf[], d: SqlDialect): string {
  // TRY: a balanced object that still does not parse (bad escape, leading zero…) is NULL = invalid.
  // A path crossing a non-object value gives NULL leaves, not a failure (json_transform's rule).
  const shape = JSON.stringify(duckdbTransformShape(pathTree(leaves)));
  const cs = leaves.map((leaf, k) => `CAST(j.${leaf.segments.map(d.ident).join('.')} AS VARCHAR) AS c${k}`);
  return `SELECT f, i, n, t, r, j IS NULL AS invalid${cs.map((c) => `,\n      ${c}`).join('')}
    FROM (SELECT f, i, n, t, r, CASE WHEN (n & ${INVALID_FLAGS}) = 0 THEN TRY(json_transform(t, ${d.literal(shape)})) END AS j FROM ${RAW_RELATIONS.records}) AS p`;
}

/** from_json's options: RFC 8259, strict (docs/raw-records.md "Validity"), and the corrupt-record column. */
export function sparkJsonOptions(d: SqlDialect): string {
  const options: Record<string, string> = {
    mode: 'PERMISSIVE',
    columnNameOfCorruptRecord: CORRUPT,
    allowComments: 'false',
    allowUnquotedFieldNames: 'false',
    allowSingleQuotes: 'false',
    allowNumericLeadingZeros: 'false',
    allowNonNumericNumbers: 'false',
    allowBackslashEscapingAnyCharacter: 'false',
    allowUnquotedControlChars: 'false',
  };
  return `map(${Object.entries(options)
    .map(([k, v]) => `${d.literal(k)}, ${d.literal(v)}`)
    .join(', ')})`;
}

/** Spark DDL of a subtree, leaves STRING (any JSON value: strings unescaped, the rest as JSON text). */
function sparkDdl(tree: PathTree, d: SqlDialect, leafType = 'STRING'): string {
  return [...tree]
    .map(
      ([key, sub]) => `${d.ident(key)} ${sub.size === 0 ? leafType : `STRUCT<${sparkStructFields(sub, d, leafType)}>`}`,
    )
    .join(', ');
}
function sparkStructFields(tree: PathTree, d: SqlDialect, leafType: string): string {
  return [...tree]
    .map(
      ([key, sub]) =>
        `${d.ident(key)}: ${sub.size === 0 ? leafType : `STRUCT<${sparkStructFields(sub, d, leafType)}>`}`,
    )
    .join(', ');
}

export function sparkParsedSql(leaves: Leaf[], d: SqlDialect): string {
  const options = sparkJsonOptions(d);
  const fromJson = (text: string, ddl: string) =>
    `from_json(${text}, ${d.literal(`${ddl}${ddl ? ', ' : ''}${d.ident(CORRUPT)} STRING`)}, ${options})`;
  const ddl = sparkDdl(pathTree(leaves), d);
  // A record whose path crosses a non-object (payload: "x") fails the one parse as a whole: then a
  // parse with no field tells valid JSON from malformed, and each leaf is read level by level.
  const valid = `(j.${d.ident(CORRUPT)} IS NULL OR ${fromJson('t', '')}.${d.ident(CORRUPT)} IS NULL)`;
  const stepwise = (leaf: Leaf) =>
    leaf.segments.reduce((text, segment) => `${fromJson(text, `${d.ident(segment)} STRING`)}.${d.ident(segment)}`, 't');
  const cs = leaves.map(
    (leaf, k) =>
      `CASE WHEN j.${d.ident(CORRUPT)} IS NULL THEN j.${leaf.segments.map(d.ident).join('.')} WHEN NOT invalid THEN ${stepwise(leaf)} END AS c${k}`,
  );
  // A string column's value starting with { or [ is an object or array only if it parses as one
  // where it is (Spark gives both a string and an object as the same text): probe those few.
  const probes = leaves.map((leaf, k) => {
    if (leaf.type !== 'string') return '';
    const probe = (type: string) =>
      `${fromJson('t', sparkDdl(pathTree([leaf]), d, type))}.${leaf.segments.map(d.ident).join('.')} IS NOT NULL`;
    return `,\n      CASE WHEN substr(c${k}, 1, 1) IN ('{', '[') THEN ${probe('MAP<STRING, STRING>')} OR ${probe('ARRAY<STRING>')} ELSE false END AS o${k}`;
  });
  return `SELECT *${probes.join('')}
    FROM (
      SELECT f, i, n, t, r, invalid${cs.map((c) => `,\n        ${c}`).join('')}
      FROM (SELECT *, (n & ${INVALID_FLAGS}) <> 0 OR NOT ${valid} AS invalid
            FROM (SELECT f, i, n, t, r, CASE WHEN (n & ${INVALID_FLAGS}) = 0 THEN ${fromJson('t', ddl)} END AS j FROM ${RAW_RELATIONS.records}) AS p) AS v
    ) AS l`;
}
