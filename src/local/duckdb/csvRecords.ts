/**
 * CSV records exactly as the PySpark driver reads them: Python's `csv.reader(lines, strict=True)`
 * with the default ("excel") dialect, fed the file's lines. A port of the reader of CPython 3.11's
 * Modules/_csv.c (parse_process_char and Reader_iternext, the states this dialect reaches), because
 * engine parity needs the same record boundaries and the same errors, which no JavaScript CSV
 * library reproduces (csv-parse either refuses `fi"le`, which Python reads as it is, or accepts
 * `"file"x`, which Python refuses). Pure: no I/O.
 */

/** One record, or one error, with the lines it took as in the file (final line end dropped). */
export interface CsvRecord {
  /** the fields; `[]` for a blank line; absent when `error` is set */
  fields?: string[];
  /** csv.Error's message, e.g. `',' expected after '"'` or `unexpected end of data` */
  error?: string;
  raw: string;
}

/** csv.field_size_limit()'s default: a longer field is an error (code points). */
export const CSV_FIELD_LIMIT = 131_072;

/** The driver's line feed (`[^\n]*\n|[^\n]+\Z`): lines with their `\n`; the last may lack one. */
function lines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

type State = 'START_RECORD' | 'START_FIELD' | 'IN_FIELD' | 'IN_QUOTED_FIELD' | 'QUOTE_IN_QUOTED_FIELD' | 'EAT_CRNL';

class CsvError extends Error {}

/** End of a line (Python's EOL sentinel, processed after each line's characters). */
const EOL = null;

/**
 * The records of a text, in order, as csv.reader yields them: after an error the rest of that
 * line is dropped and reading goes on with the next line, as Python's does.
 * @example [...csvRecords('a,"b""c"\n\n"x"y,1\n')] // [{ fields: ['a', 'b"c'], raw: 'a,"b""c"' }, { fields: [], raw: '' }, { error: "',' expected after '\"'", raw: '"x"y,1' }]
 */
export function* csvRecords(text: string): Generator<CsvRecord> {
  const feed = lines(text);
  let next = 0;
  while (next < feed.length) {
    const taken: string[] = [];
    let state: State = 'START_RECORD';
    let fields: string[] = [];
    let field: string[] = [];
    const save = () => {
      fields.push(field.join(''));
      field = [];
    };
    const add = (c: string) => {
      if (field.length >= CSV_FIELD_LIMIT) throw new CsvError(`field larger than field limit (${CSV_FIELD_LIMIT})`);
      field.push(c);
    };
    const process = (c: string | null) => {
      const lineEnd = c === '\n' || c === '\r';
      switch (state) {
        case 'START_RECORD':
          if (c === EOL) return;
          if (lineEnd) {
            state = 'EAT_CRNL';
            return;
          }
          state = 'START_FIELD';
        // falls through: a normal character starts the first field
        case 'START_FIELD':
          if (lineEnd || c === EOL) {
            save();
            state = c === EOL ? 'START_RECORD' : 'EAT_CRNL';
          } else if (c === '"') state = 'IN_QUOTED_FIELD';
          else if (c === ',') save();
          else {
            add(c);
            state = 'IN_FIELD';
          }
          return;
        case 'IN_FIELD':
          if (lineEnd || c === EOL) {
            save();
            state = c === EOL ? 'START_RECORD' : 'EAT_CRNL';
          } else if (c === ',') {
            save();
            state = 'START_FIELD';
          } else add(c);
          return;
        case 'IN_QUOTED_FIELD':
          if (c === EOL) return; // a quoted field goes on over the line end (the line's \n is in it)
          if (c === '"') state = 'QUOTE_IN_QUOTED_FIELD';
          else add(c);
          return;
        case 'QUOTE_IN_QUOTED_FIELD':
          if (c === '"') {
            add(c);
            state = 'IN_QUOTED_FIELD';
          } else if (c === ',') {
            save();
            state = 'START_FIELD';
          } else if (lineEnd || c === EOL) {
            save();
            state = c === EOL ? 'START_RECORD' : 'EAT_CRNL';
          } else throw new CsvError(`',' expected after '"'`);
          return;
        case 'EAT_CRNL':
          if (lineEnd) return;
          if (c === EOL) state = 'START_RECORD';
          else throw new CsvError('new-line character seen in unquoted field - do you need to open the file in universal-newline mode?');
          return;
      }
    };
    let error: string | undefined;
    try {
      do {
        // only a quoted field goes on past a line's end: the input ended inside one
        if (next >= feed.length) throw new CsvError('unexpected end of data');
        const line = feed[next++];
        taken.push(line);
        for (const c of line) process(c); // code points, as Python iterates a str
        process(EOL);
      } while (state !== 'START_RECORD');
    } catch (err) {
      if (!(err instanceof CsvError)) throw err;
      error = err.message;
    }
    const raw = taken.join('').replace(/\r?\n$/, '');
    yield error === undefined ? { fields, raw } : { error, raw };
  }
}
