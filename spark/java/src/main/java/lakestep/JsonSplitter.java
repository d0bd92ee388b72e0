package lakestep;

/**
 * Splits a raw JSON file's text into records (docs/raw-records.md rules 2–3; the TypeScript twin is
 * src/local/duckdb/records.ts splitRecords, and both must cut the same records and set the same
 * flags). Works on UTF-8 bytes; a record is a byte span of the text.
 *
 * <ul>
 *   <li>Top-level array: when the first non-whitespace byte is {@code [}, each element at depth 1
 *       (split at {@code ,} outside strings and nesting) is a record; a missing {@code ]} makes the
 *       last element a malformed record; text after the closing {@code ]} is read by the next rule.
 *   <li>Otherwise: skip JSON whitespace; at {@code {} read to the matching {@code }} respecting
 *       strings and escapes; newlines are allowed (pretty-printed records), except that a newline
 *       immediately followed by {@code {} (a line starting with {@code {}) ends the open record before
 *       that newline, malformed (the recovery rule: a broken record never swallows the next one);
 *       the end of the text before the matching {@code }} also ends a malformed record. Any other
 *       byte starts a record running to the next newline.
 * </ul>
 */
final class JsonSplitter {
  /** The record holds an object or array value below its top level. */
  static final int NESTED = 1;
  /**
   * The record holds what RFC 8259 forbids but a parser may accept: a trailing comma, NaN/Infinity,
   * or a {@code \\u} escape of a lone surrogate (Jackson, hence Spark's from_json, accepts that one).
   */
  static final int LENIENT = 2;
  /** Not one brace-balanced object (does not start with {@code {}, ends early, or has text after its {@code }}). */
  static final int UNBALANCED = 4;
  /** Longer than maxRecordBytes: the text is cut to its first 64 KiB. */
  static final int TOO_LARGE = 256;
  /** The file's gzip stream is cut short: one record for the file, its readable text. */
  static final int TRUNCATED_GZIP = 512;
  /** An object of the record repeats a key: the text handed on keeps the first occurrence only (as DuckDB reads it). */
  static final int DUPLICATE_KEYS = 1024;
  /**
   * Numbers with a fraction or exponent are written as marked strings (NumberMarks; bit 8 of the
   * records relation, src/core/rawSql/contract.ts RECORD_FLAG.MARKED_NUMBERS).
   */
  static final int MARKED_NUMBERS = 8;

  /** Receives record spans in file order. */
  interface Sink {
    void record(int flags, int start, int end);
  }

  private static final byte LF = '\n', CR = '\r', SPACE = ' ', TAB = '\t', QUOTE = '"', BACKSLASH = '\\';
  private static final byte OPEN = '{', CLOSE = '}', OPEN_ARRAY = '[', CLOSE_ARRAY = ']', COMMA = ',', COLON = ':';

  private static final int MAX_TRACKED_DEPTH = 64;
  /** objects with more keys are not checked for duplicates (the check is quadratic) */
  private static final int MAX_TRACKED_KEYS = 4096;

  private final byte[] b;
  private final int n;
  /** flags of the record being scanned */
  private int flags;
  // Key tracking for duplicate detection: one frame per open container (objects hold key hashes).
  private final boolean[] isObject = new boolean[MAX_TRACKED_DEPTH];
  private final int[] keyBase = new int[MAX_TRACKED_DEPTH];
  private long[] keys = new long[256];
  private int keyTop;
  private int depth;
  private boolean expectKey;

  private JsonSplitter(byte[] b, int end) {
    this.b = b;
    this.n = end;
  }

  /** Splits text b[start, end) into records. */
  static void split(byte[] b, int start, int end, Sink sink) {
    new JsonSplitter(b, end).run(start, sink);
  }

  private static boolean space(byte c) {
    return c == SPACE || c == LF || c == CR || c == TAB;
  }

  private void run(int i, Sink sink) {
    int first = i;
    while (first < n && space(b[first])) first++;
    if (first < n && b[first] == OPEN_ARRAY) i = array(first + 1, sink);
    while (i < n) {
      byte c = b[i];
      if (space(c)) {
        i++;
        continue;
      }
      int start = i;
      int end;
      if (c == OPEN) {
        i = scan(i, false);
        end = i;
        while (end > start && space(b[end - 1])) end--; // a cut record ends at its last non-space byte
      } else {
        flags = UNBALANCED;
        while (i < n && b[i] != LF) i++;
        end = i;
      }
      sink.record(flags, start, end);
    }
  }

  /** Rule 2: the elements of a top-level array from just after its `[`; returns where rule 3 goes on. */
  private int array(int i, Sink sink) {
    boolean afterComma = false;
    while (true) {
      while (i < n && space(b[i])) i++;
      if (i >= n) {
        if (afterComma) sink.record(UNBALANCED, i, i); // `[…,` then nothing: an empty last element
        return n;
      }
      if (b[i] == CLOSE_ARRAY) {
        if (afterComma) sink.record(UNBALANCED, i, i); // `[…,]`: an empty element, never a record that parses
        return i + 1;
      }
      if (b[i] == COMMA) { // `[,` or `,,`: an empty element
        sink.record(UNBALANCED, i, i);
        i++;
        afterComma = true;
        continue;
      }
      int start = i;
      int end = scan(i, true);
      int trimmed = end;
      while (trimmed > start && space(b[trimmed - 1])) trimmed--;
      sink.record(flags, start, trimmed);
      if (end >= n) return n; // no `]`: the last element was malformed (flagged by scan)
      i = end + 1;
      if (b[end] == CLOSE_ARRAY) return i;
      afterComma = true;
    }
  }

  /**
   * Scans one record from b[i]. element=false (rule 3, b[i] is `{`): to the matching `}` (inclusive),
   * or before a newline followed by `{`, or to the end. element=true (an array element): to the `,`
   * or `]` (exclusive) at nesting depth 0, or to the end. Sets {@link #flags}; returns the end.
   */
  private int scan(int i, boolean element) {
    int f = UNBALANCED; // cleared when the record is one brace-balanced object
    boolean object = b[i] == OPEN;
    boolean closed = false; // the record's object reached its matching `}`
    int braces = 0;
    int nesting = 0; // `{` and `[` open, for array elements
    byte previous = 0; // last byte outside strings that is not whitespace (a string counts as its closing quote)
    depth = 0;
    keyTop = 0;
    expectKey = false;
    while (i < n) {
      byte c = b[i];
      if (c == QUOTE) {
        boolean key = expectKey && depth > 0 && depth <= MAX_TRACKED_DEPTH && isObject[depth - 1];
        long hash = 0xcbf29ce484222325L;
        int j = i + 1;
        boolean done = false;
        while (j < n) {
          c = b[j];
          if (c == QUOTE) {
            done = true;
            break;
          }
          if (c == LF && !element && j + 1 < n && b[j + 1] == OPEN) {
            flags = f | UNBALANCED;
            return j; // recovery rule, inside a string
          }
          if (key) hash = (hash ^ (c & 0xff)) * 0x100000001b3L;
          if (c == BACKSLASH) {
            if (j + 1 < n) {
              byte e = b[j + 1];
              if (e == LF && !element && j + 2 < n && b[j + 2] == OPEN) {
                flags = f | UNBALANCED;
                return j + 1;
              }
              if (key) hash = (hash ^ (e & 0xff)) * 0x100000001b3L;
              if (e == 'u' && loneSurrogate(j)) f |= LENIENT;
            }
            j += 2;
            continue;
          }
          j++;
        }
        if (!done) {
          flags = f | UNBALANCED;
          return n;
        }
        if (key) {
          if (seenKey(hash)) f |= DUPLICATE_KEYS;
          expectKey = false;
        }
        i = j + 1;
        previous = QUOTE;
        if (closed) f |= UNBALANCED;
        continue;
      }
      if (c == LF && !element && i + 1 < n && b[i + 1] == OPEN) {
        flags = f | UNBALANCED;
        return i; // recovery rule
      }
      if (c == OPEN || c == OPEN_ARRAY) {
        if (closed) f |= UNBALANCED;
        if (c == OPEN) braces++;
        if (depth >= 1) f |= NESTED;
        push(c == OPEN);
        nesting++;
      } else if (c == CLOSE || c == CLOSE_ARRAY) {
        if (element && nesting == 0) {
          flags = closedFlags(f, object, closed);
          return i;
        }
        if (previous == COMMA) f |= LENIENT;
        pop();
        nesting--;
        if (c == CLOSE && --braces == 0 && object && !closed) {
          closed = true;
          if (!element) {
            flags = f & ~UNBALANCED;
            return i + 1;
          }
        }
      } else if (c == COMMA) {
        if (element && nesting == 0) {
          flags = closedFlags(f, object, closed);
          return i;
        }
        expectKey = depth > 0 && depth <= MAX_TRACKED_DEPTH && isObject[depth - 1];
      } else if (c == 'I' || c == 'i' || c == 'N' || (c == 'a' && i > 0 && b[i - 1] == 'n')) {
        f |= LENIENT; // outside strings only NaN / Infinity / inf / nan have these
      } else if (c == COLON) {
        expectKey = false;
      }
      if (!space(c)) {
        if (closed && c != CLOSE) f |= UNBALANCED;
        previous = c;
      }
      i++;
    }
    flags = f | UNBALANCED;
    return n;
  }

  private static int closedFlags(int f, boolean object, boolean closed) {
    return object && closed ? f & ~UNBALANCED : f | UNBALANCED;
  }

  private void push(boolean object) {
    if (depth < MAX_TRACKED_DEPTH) {
      isObject[depth] = object;
      keyBase[depth] = keyTop;
    }
    depth++;
    expectKey = object;
  }

  private void pop() {
    if (depth <= 0) return;
    depth--;
    if (depth < MAX_TRACKED_DEPTH) keyTop = keyBase[depth];
    expectKey = false;
  }

  /** Records a key hash of the innermost object; true when it was there already. */
  private boolean seenKey(long hash) {
    int base = keyBase[depth - 1];
    if (keyTop - base >= MAX_TRACKED_KEYS) return false;
    for (int k = base; k < keyTop; k++) if (keys[k] == hash) return true;
    if (keyTop == keys.length) keys = java.util.Arrays.copyOf(keys, keys.length * 2);
    keys[keyTop++] = hash;
    return false;
  }

  /** At b[j] = '\\', b[j+1] = 'u': a high surrogate escape not followed by a low one, or a lone low one. */
  private boolean loneSurrogate(int j) {
    int unit = hex4(j + 2);
    if (unit < 0) return false; // a bad escape: every parser refuses it
    if (unit >= 0xd800 && unit <= 0xdbff) {
      if (j + 7 < n && b[j + 6] == BACKSLASH && b[j + 7] == 'u') {
        int low = hex4(j + 8);
        return !(low >= 0xdc00 && low <= 0xdfff);
      }
      return true;
    }
    if (unit >= 0xdc00 && unit <= 0xdfff) {
      // a low surrogate is fine only right after a high one's escape
      if (j >= 6 && b[j - 6] == BACKSLASH && b[j - 5] == 'u') {
        int high = hex4(j - 4);
        return !(high >= 0xd800 && high <= 0xdbff);
      }
      return true;
    }
    return false;
  }

  private int hex4(int at) {
    if (at + 4 > n) return -1;
    int v = 0;
    for (int k = at; k < at + 4; k++) {
      int d = Character.digit(b[k], 16);
      if (d < 0) return -1;
      v = v << 4 | d;
    }
    return v;
  }
}
