/**
 * The one way lakestep puts a path, key or value into SQL text (DuckDB and Spark SQL alike): a
 * single-quoted string literal with each `'` doubled. Nothing else needs escaping in that literal:
 * `"`, `\`, `%`, newlines and non-ASCII are taken as they are (DuckDB does not treat `\` as an
 * escape; a Spark stage never receives these, it gets paths through the DataFrame API).
 * @example sqlString("/home/o'brien/lake") // "'/home/o''brien/lake'"
 */
export function sqlString(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** A double-quoted identifier with each `"` doubled. @example sqlIdent('record "date"') // '"record ""date"""' */
export function sqlIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
