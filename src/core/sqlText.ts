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

/**
 * `sql` with its comments (`-- …`, `/* … *\/`) and the insides of its string literals (`'…'`) and quoted
 * identifiers (`"…"`) blanked to spaces, so a keyword or `;` inside them is not taken for SQL; the quotes
 * stay, and every other character keeps its place.
 * @example sqlCodeOnly("SELECT 'a;b' -- c") // "SELECT '   '     "
 */
export function sqlCodeOnly(sql: string): string {
  return sql.replace(/--[^\n]*|\/\*[\s\S]*?(\*\/|$)|'(?:[^']|'')*'?|"(?:[^"]|"")*"?/g, (m) =>
    m.startsWith("'") || m.startsWith('"')
      ? `${m[0]}${' '.repeat(Math.max(0, m.length - 2))}${m.length > 1 ? m[m.length - 1] : ''}`
      : ' '.repeat(m.length),
  );
}

/** Statement words that change something (a column may not be named so without quotes in either engine's common use). */
const WRITE_WORDS = /\b(insert|update|delete|merge|create|drop|alter|copy|attach|detach|install|pragma|truncate)\b/i;

/**
 * Why `sql` is not one read-only SELECT (a `SELECT …` or `WITH … SELECT …`, one statement, an optional
 * trailing `;`), judged on the text alone (no engine at hand when the config loads); undefined when it is.
 * The engine checks the statement's kind again when it runs it (local/catalogQuery.ts).
 * @example selectOnlyProblem('SELECT 1; DROP TABLE x') // 'holds 2 statements (expected one SELECT)'
 */
export function selectOnlyProblem(sql: string): string | undefined {
  const code = sqlCodeOnly(sql).trim().replace(/;\s*$/, '');
  if (!code) return 'is empty (expected one SELECT)';
  if (code.includes(';'))
    return `holds ${code.split(';').filter((s) => s.trim()).length} statements (expected one SELECT)`;
  if (!/^(select|with|\()/i.test(code))
    return `starts with "${code.split(/\s+/)[0]}" (expected one SELECT or WITH … SELECT)`;
  const write = WRITE_WORDS.exec(code);
  if (write) return `uses "${write[1]}" (expected a read-only SELECT)`;
  return undefined;
}
