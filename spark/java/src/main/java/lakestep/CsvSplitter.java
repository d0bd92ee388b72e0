package lakestep;

import java.util.ArrayList;
import java.util.List;

/**
 * CSV records as Python's {@code csv.reader(lines, delimiter=D, strict=True)} (excel dialect otherwise)
 * reads them, fed the text's lines: a port of src/local/duckdb/csvRecords.ts (itself a port of
 * CPython 3.11's Modules/_csv.c), so both engines cut the same records and raise the same errors.
 * After an error the rest of that line is dropped and reading goes on with the next line.
 */
final class CsvSplitter {
  /** csv.field_size_limit()'s default (code points). */
  static final int FIELD_LIMIT = 131_072;

  /** One record: fields (empty list for a blank line), or an error; raw = its lines without the final line end. */
  static final class Record {
    final List<String> fields;
    final String error;
    final String raw;

    Record(List<String> fields, String error, String raw) {
      this.fields = fields;
      this.error = error;
      this.raw = raw;
    }
  }

  interface Sink {
    void record(Record r);
  }

  private static final int START_RECORD = 0, START_FIELD = 1, IN_FIELD = 2, IN_QUOTED_FIELD = 3, QUOTE_IN_QUOTED_FIELD = 4, EAT_CRNL = 5;
  private static final int EOL = -1;

  private static final class CsvError extends Exception {
    CsvError(String message) {
      super(message, null, false, false);
    }
  }

  private final char delimiter;
  private int state = START_RECORD;
  private List<String> fields = new ArrayList<>();
  private final StringBuilder field = new StringBuilder();
  private int fieldLength;
  private int previousUnit;

  private CsvSplitter(char delimiter) {
    this.delimiter = delimiter;
  }

  /** The records of `text` in order. */
  static void split(String text, char delimiter, Sink sink) {
    CsvSplitter parser = new CsvSplitter(delimiter);
    int n = text.length();
    int next = 0; // start of the next unread line
    while (next < n) {
      int first = next;
      String error = null;
      parser.reset();
      try {
        do {
          // only a quoted field goes on past a line's end: the input ended inside one
          if (next >= n) throw new CsvError("unexpected end of data");
          int lf = text.indexOf('\n', next);
          int end = lf < 0 ? n : lf + 1;
          parser.feed(text, next, end);
          next = end;
        } while (parser.state != START_RECORD);
      } catch (CsvError e) {
        error = e.getMessage();
        int lf = text.indexOf('\n', next);
        // the line being fed when the error came is consumed whole
        if (next < n && parser.feeding) next = lf < 0 ? n : lf + 1;
      }
      int rawEnd = next;
      if (rawEnd > first && text.charAt(rawEnd - 1) == '\n') {
        rawEnd--;
        if (rawEnd > first && text.charAt(rawEnd - 1) == '\r') rawEnd--;
      }
      String raw = text.substring(first, rawEnd);
      sink.record(error == null ? new Record(parser.fields, null, raw) : new Record(null, error, raw));
    }
  }

  private boolean feeding;

  private void reset() {
    state = START_RECORD;
    fields = new ArrayList<>();
    field.setLength(0);
    fieldLength = 0;
    previousUnit = 0;
    feeding = false;
  }

  /** A line's characters [from, to), then its EOL. */
  private void feed(String line, int from, int to) throws CsvError {
    feeding = true;
    for (int i = from; i < to; i++) process(line.charAt(i));
    process(EOL);
    feeding = false;
  }

  private void save() {
    fields.add(field.toString());
    field.setLength(0);
    fieldLength = 0;
  }

  private void add(int unit, int previous) throws CsvError {
    // the low half of a surrogate pair completes a code point already counted
    boolean continues = unit >= 0xdc00 && unit <= 0xdfff && previous >= 0xd800 && previous <= 0xdbff;
    if (!continues) {
      if (fieldLength >= FIELD_LIMIT) throw new CsvError("field larger than field limit (" + FIELD_LIMIT + ")");
      fieldLength++;
    }
    field.append((char) unit);
  }

  private void process(int unit) throws CsvError {
    boolean lineEnd = unit == '\n' || unit == '\r';
    int previous = previousUnit;
    previousUnit = unit;
    switch (state) {
      case START_RECORD:
        if (unit == EOL) return;
        if (lineEnd) {
          state = EAT_CRNL;
          return;
        }
        state = START_FIELD;
        // falls through: a normal character starts the first field
      case START_FIELD:
        if (lineEnd || unit == EOL) {
          save();
          state = unit == EOL ? START_RECORD : EAT_CRNL;
        } else if (unit == '"') state = IN_QUOTED_FIELD;
        else if (unit == delimiter) save();
        else {
          add(unit, previous);
          state = IN_FIELD;
        }
        return;
      case IN_FIELD:
        if (lineEnd || unit == EOL) {
          save();
          state = unit == EOL ? START_RECORD : EAT_CRNL;
        } else if (unit == delimiter) {
          save();
          state = START_FIELD;
        } else add(unit, previous);
        return;
      case IN_QUOTED_FIELD:
        if (unit == EOL) return; // a quoted field goes on over the line end (the line's \n is in it)
        if (unit == '"') state = QUOTE_IN_QUOTED_FIELD;
        else add(unit, previous);
        return;
      case QUOTE_IN_QUOTED_FIELD:
        if (unit == '"') {
          add(unit, previous);
          state = IN_QUOTED_FIELD;
        } else if (unit == delimiter) {
          save();
          state = START_FIELD;
        } else if (lineEnd || unit == EOL) {
          save();
          state = unit == EOL ? START_RECORD : EAT_CRNL;
        } else throw new CsvError("'" + delimiter + "' expected after '\"'");
        return;
      case EAT_CRNL:
        if (lineEnd) return;
        if (unit == EOL) state = START_RECORD;
        else throw new CsvError("new-line character seen in unquoted field - do you need to open the file in universal-newline mode?");
        return;
      default:
        throw new IllegalStateException("state " + state);
    }
  }
}
