package lakestep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * The Spark UDF {@code lakestep_split(content BINARY, options STRING)}: one raw file's bytes -> its
 * records, {@code ARRAY<STRUCT<i BIGINT, n INT, t STRING, r STRING, d STRING>>} (see RETURN_TYPE), for
 * the PySpark driver (spark/jobs/lakestep_raw.py) to explode into the records relation the generated
 * SQL reads. Registered from Python with
 * {@code spark.udf.registerJavaFunction("lakestep_split", "lakestep.SplitRaw", RETURN_TYPE)}.
 *
 * <p>options: JSON {@code {"format": "json" | "csv", "maxRecordBytes": N, "csv": {"delimiter": ",",
 * "header": true}, "columns": [{"name": "a", "path": "a"} | {"name": "b", "position": 0}, …]}}
 * ({@code columns} for CSV only: header names are matched against {@code path}, default the name).
 *
 * <p>Per record: i = record_index (0-based in the file, rejects included; -1 for a CSV line that
 * repeats the header, which is no record); n = flag bits (JsonSplitter's, then CsvSplitter's below);
 * t = the record text (JSON: as in the file, a repeated key's later occurrences dropped; CSV: a JSON
 * object of the declared columns' non-empty fields as strings, keyed by column name); r = the raw
 * text when it differs from t (CSV lines; the first 64 KiB of a too-large record); d = the detail of
 * a reject the splitter decides (truncated_gzip: the file's size; too_large: {@code <N> bytes, over
 * maxRecordBytes <limit>}; invalid_csv: csv.Error's message).
 */
public final class SplitRaw implements UDF2<byte[], String, List<Row>> {
  private static final long serialVersionUID = 1L;

  /** The UDF's return type as Spark DDL. */
  public static final String RETURN_TYPE = "array<struct<i:bigint,n:int,t:string,r:string,d:string>>";

  /** The CSV record does not parse (csv.Error), or has another number of fields than the header. */
  public static final int INVALID_CSV = 2048;
  /** A CSV line equal to the header inside the file (concatenated shards): skipped and counted. */
  public static final int REPEATED_HEADER = 4096;

  /** raw_text of a too-large record: its first 64 KiB. */
  static final int TOO_LARGE_TEXT_BYTES = 64 * 1024;

  private transient String optionsText;
  private transient Options options;

  static final class Column {
    final String name;
    final String path;
    final int position;

    Column(String name, String path, int position) {
      this.name = name;
      this.path = path;
      this.position = position;
    }
  }

  static final class Options {
    boolean csv;
    long maxRecordBytes = 64L * 1024 * 1024;
    /** the text of one file (inflated); DEFAULTS.maxFileBytes in src/config/config.ts */
    long maxFileBytes = 1024L * 1024 * 1024;
    char delimiter = ',';
    boolean header = true;
    final List<Column> columns = new ArrayList<>();

    static Options parse(String json) {
      Options o = new Options();
      if (json == null || json.isEmpty()) return o;
      JsonNode root;
      try {
        root = new ObjectMapper().readTree(json);
      } catch (IOException e) {
        throw new UncheckedIOException("lakestep_split: options are not JSON: " + json, e);
      }
      o.csv = "csv".equals(root.path("format").asText("json"));
      if (root.has("maxRecordBytes")) o.maxRecordBytes = root.get("maxRecordBytes").asLong();
      if (root.has("maxFileBytes")) o.maxFileBytes = root.get("maxFileBytes").asLong();
      JsonNode csv = root.path("csv");
      if (csv.has("delimiter")) {
        String d = csv.get("delimiter").asText();
        if (d.length() != 1) throw new IllegalArgumentException("lakestep_split: csv.delimiter must be one character, got " + d);
        o.delimiter = d.charAt(0);
      }
      if (csv.has("header")) o.header = csv.get("header").asBoolean();
      for (JsonNode c : root.path("columns")) {
        String name = c.get("name").asText();
        o.columns.add(new Column(name, c.path("path").asText(name), c.has("position") ? c.get("position").asInt() : -1));
      }
      return o;
    }
  }

  @Override
  public List<Row> call(byte[] content, String optionsJson) {
    if (content == null) return null;
    if (options == null || !optionsJson.equals(optionsText)) {
      options = Options.parse(optionsJson);
      optionsText = optionsJson;
    }
    return split(content, options);
  }

  /** Every record of one raw file (see the class comment). */
  static List<Row> split(byte[] content, Options o) {
    RawText text = RawText.decode(content, o.maxFileBytes);
    List<Row> rows = new ArrayList<>();
    if (text.tooLarge) {
      // the whole file, as the DuckDB engine's stageFile: no text kept (it is over the limit)
      String detail = (RawText.isGzip(content) ? "gzip of " + content.length + " bytes inflates past " + o.maxFileBytes + " bytes" : content.length + " bytes")
          + ", over maxFileBytes " + o.maxFileBytes;
      rows.add(row(0, JsonSplitter.TOO_LARGE, UTF8String.EMPTY_UTF8, UTF8String.EMPTY_UTF8, detail));
      return rows;
    }
    if (text.truncated) {
      rows.add(row(0, JsonSplitter.TRUNCATED_GZIP, UTF8String.fromBytes(text.bytes, text.start, text.end - text.start), null, String.valueOf(content.length)));
      return rows;
    }
    if (o.csv) {
      csv(new String(text.bytes, text.start, text.end - text.start, StandardCharsets.UTF_8), o, rows);
      return rows;
    }
    final long[] index = {0};
    final byte[] b = text.bytes;
    JsonSplitter.split(b, text.start, text.end, (flags, start, end) -> {
      long i = index[0]++;
      int size = end - start;
      if (size > o.maxRecordBytes) {
        int cut = RawText.cutAtCharBoundary(b, start, end, TOO_LARGE_TEXT_BYTES);
        UTF8String head = UTF8String.fromBytes(b, start, cut - start);
        rows.add(row(i, flags | JsonSplitter.TOO_LARGE, head, head, tooLarge(size, o)));
      } else if ((flags & (JsonSplitter.LENIENT | JsonSplitter.UNBALANCED)) != 0) {
        rows.add(row(i, flags, UTF8String.fromBytes(b, start, size), null, null)); // invalid_json: never rewritten
      } else {
        byte[] firstWins = (flags & JsonSplitter.DUPLICATE_KEYS) != 0 ? DuplicateKeys.firstWins(b, start, end) : null;
        byte[] marked = firstWins == null ? NumberMarks.mark(b, start, end) : NumberMarks.mark(firstWins, 0, firstWins.length);
        int n = marked == null ? flags : flags | JsonSplitter.MARKED_NUMBERS;
        // The raw text: the marks are removed by the SQL; a first-wins rewrite keeps the original in r.
        UTF8String r = firstWins == null ? null : UTF8String.fromBytes(b, start, size);
        UTF8String t = marked != null ? UTF8String.fromBytes(marked) : firstWins != null ? UTF8String.fromBytes(firstWins)
            : UTF8String.fromBytes(b, start, size); // shares the file's array: no copy until Spark writes the row
        rows.add(row(i, n, t, r, null));
      }
    });
    return rows;
  }

  private static String tooLarge(long size, Options o) {
    return size + " bytes, over maxRecordBytes " + o.maxRecordBytes;
  }

  private static Row row(long i, int n, Object t, Object r, String d) {
    return RowFactory.create(i, n, t, r, d);
  }

  /** CSV rules of docs/raw-records.md: header by name (or positions without one), repeated headers, field counts. */
  private static void csv(String text, Options o, List<Row> rows) {
    final List<String>[] header = new List[1];
    final int[][] at = new int[1][]; // column -> field position, -1 when absent
    final long[] index = {0};
    final boolean[] stop = {false};
    if (!o.header) at[0] = o.columns.stream().mapToInt(c -> c.position).toArray();
    CsvSplitter.split(text, o.delimiter, rec -> {
      if (stop[0]) return;
      if (rec.fields != null && rec.fields.isEmpty()) return; // a blank line is no record
      if (o.header && header[0] == null) {
        if (rec.error != null) { // no header to match columns against: the file gives one reject
          rows.add(row(0, INVALID_CSV, null, rec.raw, "header: " + rec.error));
          stop[0] = true;
          return;
        }
        header[0] = rec.fields;
        Map<String, Integer> position = new HashMap<>();
        for (int k = 0; k < rec.fields.size(); k++) position.putIfAbsent(rec.fields.get(k), k); // a repeated name: its first column
        at[0] = o.columns.stream().mapToInt(c -> position.getOrDefault(c.path, -1)).toArray();
        return;
      }
      if (rec.error == null && header[0] != null && rec.fields.equals(header[0])) {
        rows.add(row(-1, REPEATED_HEADER, null, rec.raw, null));
        return;
      }
      long i = index[0]++;
      long size = utf8Length(rec.raw, o.maxRecordBytes);
      if (size > o.maxRecordBytes) {
        byte[] raw = rec.raw.getBytes(StandardCharsets.UTF_8);
        int cut = RawText.cutAtCharBoundary(raw, 0, raw.length, TOO_LARGE_TEXT_BYTES);
        rows.add(row(i, JsonSplitter.TOO_LARGE, null, UTF8String.fromBytes(raw, 0, cut), tooLarge(size, o)));
      } else if (rec.error != null) {
        rows.add(row(i, INVALID_CSV, null, rec.raw, rec.error));
      } else if (header[0] != null && rec.fields.size() != header[0].size()) {
        rows.add(row(i, INVALID_CSV, null, rec.raw, "expected " + header[0].size() + " fields, got " + rec.fields.size()));
      } else {
        rows.add(row(i, 0, jsonObject(o.columns, at[0], rec.fields), rec.raw, null));
      }
    });
  }

  /** UTF-8 length of s, exact when it may pass `limit` (a cheap bound otherwise). */
  private static long utf8Length(String s, long limit) {
    if ((long) s.length() * 3 <= limit) return s.length();
    long bytes = 0;
    for (int k = 0; k < s.length(); k++) {
      char c = s.charAt(k);
      if (c < 0x80) bytes++;
      else if (c < 0x800) bytes += 2;
      else if (Character.isHighSurrogate(c) && k + 1 < s.length() && Character.isLowSurrogate(s.charAt(k + 1))) {
        bytes += 4;
        k++;
      } else bytes += 3;
    }
    return bytes;
  }

  /** {"name": "field", …} of the declared columns whose field exists and is not empty (an empty field is NULL). */
  static String jsonObject(List<Column> columns, int[] at, List<String> fields) {
    StringBuilder out = new StringBuilder(64);
    out.append('{');
    boolean first = true;
    for (int c = 0; c < columns.size(); c++) {
      int k = at[c];
      if (k < 0 || k >= fields.size() || fields.get(k).isEmpty()) continue;
      if (!first) out.append(',');
      first = false;
      quote(out, columns.get(c).name);
      out.append(':');
      quote(out, fields.get(k));
    }
    return out.append('}').toString();
  }

  static void quote(StringBuilder out, String s) {
    out.append('"');
    for (int k = 0; k < s.length(); k++) {
      char c = s.charAt(k);
      if (c == '"' || c == '\\') out.append('\\').append(c);
      else if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
      else out.append(c);
    }
    out.append('"');
  }
}
