package lakestep;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

/**
 * A raw file's bytes -> its UTF-8 text (docs/raw-records.md rule 1; src/local/duckdb/records.ts
 * decodeRawFile is the TypeScript twin): gzip when the first two bytes are 1f 8b (members read one
 * after the other), a stream cut before its trailer or failing its CRC is `truncated` (the text is
 * then the readable part), a UTF-8 BOM at the start is dropped, and bytes that are not UTF-8 become
 * U+FFFD (the text is re-encoded once, so later steps can slice bytes and hand them to Spark as is).
 */
final class RawText {
  /** UTF-8 bytes; valid from {@link #start} to {@link #end} (exclusive) */
  final byte[] bytes;
  final int start;
  final int end;
  final boolean truncated;
  /** the text is over the limit (then empty): the whole file is one too_large reject */
  final boolean tooLarge;

  private RawText(byte[] bytes, int start, int end, boolean truncated, boolean tooLarge) {
    this.bytes = bytes;
    this.start = start;
    this.end = end;
    this.truncated = truncated;
    this.tooLarge = tooLarge;
  }

  private RawText(byte[] bytes, int start, int end, boolean truncated) {
    this(bytes, start, end, truncated, false);
  }

  private static RawText tooLarge() {
    return new RawText(new byte[0], 0, 0, false, true);
  }

  static boolean isGzip(byte[] b) {
    return b.length >= 2 && (b[0] & 0xff) == 0x1f && (b[1] & 0xff) == 0x8b;
  }

  /**
   * Decodes a raw file; never throws on bad input (a corrupt gzip is `truncated`). A text over
   * {@code maxTextBytes} is `tooLarge`: a gzip is inflated no further than that (a gzip bomb costs at
   * most the limit).
   */
  static RawText decode(byte[] content, long maxTextBytes) {
    byte[] text = content;
    int length = content.length;
    boolean truncated = false;
    if (!isGzip(content) && content.length > maxTextBytes) return tooLarge();
    if (isGzip(content)) {
      // The trailer's ISIZE (length mod 2^32) sizes the buffer; only a hint, so bounded.
      int n = content.length;
      long isize = n >= 4 ? ((content[n - 4] & 0xffL) | (content[n - 3] & 0xffL) << 8 | (content[n - 2] & 0xffL) << 16 | (content[n - 1] & 0xffL) << 24) : 0;
      long cap = Math.min(maxTextBytes + 1, Integer.MAX_VALUE - 16); // one byte past the limit tells "over" from "at"
      text = new byte[(int) Math.min(Math.min(Math.max(isize + 1, 1 << 16), 1 << 28), cap)];
      length = 0;
      try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(content), 1 << 16)) {
        while (true) {
          if (length > maxTextBytes) return tooLarge();
          if (length == text.length) text = Arrays.copyOf(text, (int) Math.min(grow(text.length), cap));
          int k = in.read(text, length, text.length - length);
          if (k < 0) break;
          length += k;
        }
      } catch (IOException | RuntimeException e) {
        // EOFException (cut before the trailer), ZipException (corrupt data or CRC): not trusted
        truncated = true;
      }
    }
    int start = length >= 3 && (text[0] & 0xff) == 0xef && (text[1] & 0xff) == 0xbb && (text[2] & 0xff) == 0xbf ? 3 : 0;
    if (!validUtf8(text, start, length)) {
      byte[] replaced = new String(text, start, length - start, StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8);
      return new RawText(replaced, 0, replaced.length, truncated);
    }
    return new RawText(text, start, length, truncated);
  }

  private static int grow(int size) {
    if (size >= Integer.MAX_VALUE - 16) throw new IllegalStateException("a raw file inflates to more than 2 GiB");
    return (int) Math.min((long) size * 2, Integer.MAX_VALUE - 16);
  }

  /** Well-formed UTF-8 (RFC 3629: no overlongs, no surrogates, at most U+10FFFF). */
  static boolean validUtf8(byte[] b, int from, int to) {
    int i = from;
    while (i < to) {
      int c = b[i];
      if (c >= 0) {
        i++;
        continue;
      }
      c &= 0xff;
      int need;
      int min2 = 0x80, max2 = 0xbf;
      if (c >= 0xc2 && c <= 0xdf) need = 1;
      else if (c >= 0xe0 && c <= 0xef) {
        need = 2;
        if (c == 0xe0) min2 = 0xa0;
        else if (c == 0xed) max2 = 0x9f;
      } else if (c >= 0xf0 && c <= 0xf4) {
        need = 3;
        if (c == 0xf0) min2 = 0x90;
        else if (c == 0xf4) max2 = 0x8f;
      } else return false;
      if (i + need >= to) return false; // cut short by the end of the text
      int c2 = b[i + 1] & 0xff;
      if (c2 < min2 || c2 > max2) return false;
      for (int k = 2; k <= need; k++) {
        int ck = b[i + k] & 0xff;
        if (ck < 0x80 || ck > 0xbf) return false;
      }
      i += need + 1;
    }
    return true;
  }

  /** UTF-8 bytes of a record text cut to at most `max` bytes at a character boundary. */
  static int cutAtCharBoundary(byte[] b, int start, int end, int max) {
    if (end - start <= max) return end;
    int cut = start + max;
    // step back over continuation bytes (10xxxxxx) so a character is never split
    while (cut > start && (b[cut] & 0xc0) == 0x80) cut--;
    return cut;
  }
}
