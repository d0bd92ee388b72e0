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

const enum State {
  START_RECORD,
  START_FIELD,
  IN_FIELD,
  IN_QUOTED_FIELD,
  QUOTE_IN_QUOTED_FIELD,
  EAT_CRNL,
}

class CsvError extends Error {}

/** End of a line (Python's EOL sentinel, processed after each line's characters). */
const EOL = -1;
const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const COMMA = 0x2c;

/** parse_process_char of _csv.c for the excel dialect, strict: one record's state, fed UTF-16 code units. */
class RecordParser {
  /** @param delimiter the field delimiter's UTF-16 code unit (`,` or a tab) */
  constructor(private readonly delimiter = COMMA) {}
  state = State.START_RECORD;
  fields: string[] = [];
  private field = '';
  /** code points in `field` (Python counts those against the limit) */
  private fieldLength = 0;
  private previousUnit = 0;

  reset(): void {
    this.state = State.START_RECORD;
    this.fields = [];
    this.field = '';
    this.fieldLength = 0;
    this.previousUnit = 0;
  }

  /** A line's characters, then its EOL. @throws CsvError as csv.Error would be raised */
  feed(line: string): void {
    for (let i = 0; i < line.length; i++) this.process(line.charCodeAt(i), line[i]);
    this.process(EOL, '');
  }

  private save(): void {
    this.fields.push(this.field);
    this.field = '';
    this.fieldLength = 0;
  }

  /** Adds a code unit to the field; `previous`: the unit before it on the line. */
  private add(unit: number, c: string, previous: number): void {
    // the low half of a surrogate pair completes a code point already counted
    const continues = unit >= 0xdc00 && unit <= 0xdfff && previous >= 0xd800 && previous <= 0xdbff;
    if (!continues) {
      if (this.fieldLength >= CSV_FIELD_LIMIT) throw new CsvError(`field larger than field limit (${CSV_FIELD_LIMIT})`);
      this.fieldLength++;
    }
    this.field += c;
  }

  private process(unit: number, c: string): void {
    const lineEnd = unit === LF || unit === CR;
    const previous = this.previousUnit;
    this.previousUnit = unit;
    switch (this.state) {
      // biome-ignore lint/suspicious/noFallthroughSwitchClause: a record's first character starts its first field
      case State.START_RECORD:
        if (unit === EOL) return;
        if (lineEnd) {
          this.state = State.EAT_CRNL;
          return;
        }
        this.state = State.START_FIELD;
      // falls through: a normal character starts the first field
      case State.START_FIELD:
        if (lineEnd || unit === EOL) {
          this.save();
          this.state = unit === EOL ? State.START_RECORD : State.EAT_CRNL;
        } else if (unit === QUOTE) this.state = State.IN_QUOTED_FIELD;
        else if (unit === this.delimiter) this.save();
        else {
          this.add(unit, c, previous);
          this.state = State.IN_FIELD;
        }
        return;
      case State.IN_FIELD:
        if (lineEnd || unit === EOL) {
          this.save();
          this.state = unit === EOL ? State.START_RECORD : State.EAT_CRNL;
        } else if (unit === this.delimiter) {
          this.save();
          this.state = State.START_FIELD;
        } else {
          this.add(unit, c, previous);
        }
        return;
      case State.IN_QUOTED_FIELD:
        if (unit === EOL) return; // a quoted field goes on over the line end (the line's \n is in it)
        if (unit === QUOTE) this.state = State.QUOTE_IN_QUOTED_FIELD;
        else {
          this.add(unit, c, previous);
        }
        return;
      case State.QUOTE_IN_QUOTED_FIELD:
        if (unit === QUOTE) {
          this.add(unit, c, previous);
          this.state = State.IN_QUOTED_FIELD;
        } else if (unit === this.delimiter) {
          this.save();
          this.state = State.START_FIELD;
        } else if (lineEnd || unit === EOL) {
          this.save();
          this.state = unit === EOL ? State.START_RECORD : State.EAT_CRNL;
        } else throw new CsvError(`'${String.fromCharCode(this.delimiter)}' expected after '"'`);
        return;
      case State.EAT_CRNL:
        if (lineEnd) return;
        if (unit === EOL) this.state = State.START_RECORD;
        else
          throw new CsvError(
            'new-line character seen in unquoted field - do you need to open the file in universal-newline mode?',
          );
        return;
    }
  }
}

/**
 * The records of a text, in order, as csv.reader yields them: after an error the rest of that
 * line is dropped and reading goes on with the next line, as Python's does.
 * @example [...csvRecords('a,"b""c"\n\n"x"y,1\n')] // [{ fields: ['a', 'b"c'], raw: 'a,"b""c"' }, { fields: [], raw: '' }, { error: "',' expected after '\"'", raw: '"x"y,1' }]
 */
export function* csvRecords(text: string, delimiter = ','): Generator<CsvRecord> {
  const feed = lines(text);
  const parser = new RecordParser(delimiter.charCodeAt(0));
  let next = 0;
  while (next < feed.length) {
    const first = next;
    let error: string | undefined;
    parser.reset();
    try {
      do {
        // only a quoted field goes on past a line's end: the input ended inside one
        if (next >= feed.length) throw new CsvError('unexpected end of data');
        parser.feed(feed[next++]);
      } while (parser.state !== State.START_RECORD);
    } catch (err) {
      if (!(err instanceof CsvError)) throw err;
      error = err.message;
    }
    const raw = feed
      .slice(first, next)
      .join('')
      .replace(/\r?\n$/, '');
    yield error === undefined ? { fields: parser.fields, raw } : { error, raw };
  }
}
