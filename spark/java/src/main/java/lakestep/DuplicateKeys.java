package lakestep;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A record whose objects repeat a key, rewritten so each object keeps the FIRST occurrence (DuckDB's
 * reading; Spark's JSON parser would keep the last). Keys compare as their raw bytes between the quotes.
 * Only reached for the few records JsonSplitter flags with DUPLICATE_KEYS.
 */
final class DuplicateKeys {
  private final byte[] b;
  private final int end;
  private int i;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  private DuplicateKeys(byte[] b, int start, int end) {
    this.b = b;
    this.i = start;
    this.end = end;
  }

  /** The rewritten record, or null when its text is not JSON enough to rewrite (it is then left as it is, and will not parse). */
  static byte[] firstWins(byte[] b, int start, int end) {
    DuplicateKeys d = new DuplicateKeys(b, start, end);
    try {
      d.value(true);
      d.space(true);
      if (d.i != end) return null;
      return d.out.toByteArray();
    } catch (IllegalStateException e) {
      return null;
    }
  }

  private void space(boolean keep) {
    int from = i;
    while (i < end && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r')) i++;
    if (keep) out.write(b, from, i - from);
  }

  private byte peek() {
    if (i >= end) throw new IllegalStateException("end");
    return b[i];
  }

  /** Copies (keep) or skips one value. */
  private void value(boolean keep) {
    space(keep);
    byte c = peek();
    if (c == '{') object(keep);
    else if (c == '[') array(keep);
    else if (c == '"') string(keep);
    else {
      int from = i;
      while (i < end && "{}[],: \t\r\n\"".indexOf(b[i]) < 0) i++;
      if (i == from) throw new IllegalStateException("value");
      if (keep) out.write(b, from, i - from);
    }
  }

  private void string(boolean keep) {
    int from = i++;
    while (true) {
      byte c = peek();
      i++;
      if (c == '\\') i++;
      else if (c == '"') break;
    }
    if (i > end) throw new IllegalStateException("string");
    if (keep) out.write(b, from, i - from);
  }

  private void object(boolean keep) {
    i++;
    if (keep) out.write('{');
    List<byte[]> seen = new ArrayList<>();
    boolean wrote = false;
    space(false);
    if (peek() == '}') {
      i++;
      if (keep) out.write('}');
      return;
    }
    while (true) {
      space(false);
      if (peek() != '"') throw new IllegalStateException("key");
      int keyFrom = i;
      string(false);
      byte[] key = Arrays.copyOfRange(b, keyFrom, i);
      boolean duplicate = false;
      for (byte[] k : seen) if (Arrays.equals(k, key)) duplicate = true;
      boolean keepMember = keep && !duplicate;
      if (!duplicate) seen.add(key);
      space(false);
      if (peek() != ':') throw new IllegalStateException("colon");
      i++;
      if (keepMember) {
        if (wrote) out.write(',');
        out.write(key, 0, key.length);
        out.write(':');
        wrote = true;
      }
      value(keepMember);
      space(false);
      byte c = peek();
      i++;
      if (c == '}') break;
      if (c != ',') throw new IllegalStateException("comma");
    }
    if (keep) out.write('}');
  }

  private void array(boolean keep) {
    i++;
    if (keep) out.write('[');
    space(keep);
    if (peek() == ']') {
      i++;
      if (keep) out.write(']');
      return;
    }
    while (true) {
      value(keep);
      space(keep);
      byte c = peek();
      i++;
      if (keep) out.write(c);
      if (c == ']') return;
      if (c != ',') throw new IllegalStateException("comma");
    }
  }
}
