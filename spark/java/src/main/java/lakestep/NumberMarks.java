package lakestep;

import java.io.ByteArrayOutputStream;

/**
 * Number marks of the records relation (src/core/rawSql/contract.ts; the TypeScript twin is
 * src/local/duckdb/records.ts markNumbers): every number token outside strings that has a fraction or
 * an exponent and is valid RFC 8259 is written as the JSON string {@code "\u0001<token>"}, because
 * Spark's from_json re-serialises such numbers through a double ({@code 12.50} becomes {@code 12.5});
 * the mark keeps the text as written and tells a number from a string.
 */
final class NumberMarks {
  private static final byte[] MARK_OPEN = {'"', '\\', 'u', '0', '0', '0', '1'};

  private NumberMarks() {}

  /** The record bytes [start, end) with marked numbers, or null when it has no number to mark. */
  static byte[] mark(byte[] b, int start, int end) {
    ByteArrayOutputStream out = null;
    int copied = start;
    int i = start;
    while (i < end) {
      byte c = b[i];
      if (c == '"') {
        i = endOfString(b, i + 1, end);
        continue;
      }
      if (c == '-' || (c >= '0' && c <= '9')) {
        int tokenStart = i;
        while (i < end && isNumberByte(b[i])) i++;
        if (isMarkable(b, tokenStart, i)) {
          if (out == null) out = new ByteArrayOutputStream(end - start + 16);
          out.write(b, copied, tokenStart - copied);
          out.write(MARK_OPEN, 0, MARK_OPEN.length);
          out.write(b, tokenStart, i - tokenStart);
          out.write('"');
          copied = i;
        }
        continue;
      }
      i++;
    }
    if (out == null) return null;
    out.write(b, copied, end - copied);
    return out.toByteArray();
  }

  private static boolean isNumberByte(byte c) {
    return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
  }

  /** The index after the closing quote of a string whose content starts at i (or end). */
  private static int endOfString(byte[] b, int i, int end) {
    while (i < end) {
      byte c = b[i];
      if (c == '\\') i += 2;
      else if (c == '"') return i + 1;
      else i++;
    }
    return end;
  }

  /** `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?` with a fraction or an exponent. */
  static boolean isMarkable(byte[] b, int start, int end) {
    int i = start;
    if (i < end && b[i] == '-') i++;
    if (i >= end) return false;
    if (b[i] == '0') i++;
    else if (b[i] >= '1' && b[i] <= '9') while (i < end && b[i] >= '0' && b[i] <= '9') i++;
    else return false;
    boolean fractionOrExponent = false;
    if (i < end && b[i] == '.') {
      i++;
      int digits = i;
      while (i < end && b[i] >= '0' && b[i] <= '9') i++;
      if (i == digits) return false;
      fractionOrExponent = true;
    }
    if (i < end && (b[i] == 'e' || b[i] == 'E')) {
      i++;
      if (i < end && (b[i] == '+' || b[i] == '-')) i++;
      int digits = i;
      while (i < end && b[i] >= '0' && b[i] <= '9') i++;
      if (i == digits) return false;
      fractionOrExponent = true;
    }
    return fractionOrExponent && i == end;
  }
}
