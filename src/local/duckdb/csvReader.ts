/**
 * Raw CSV (`raw.format: csv`: warehouse dumps, Snowplow-style headerless TSV) into the records
 * relation the generated SQL reads (src/core/rawSql/contract.ts): each record becomes a JSON object
 * of its declared fields as strings, keyed by column name, so CSV is typed by the same SQL as JSON.
 * Records are split as Python's strict csv reader splits them (csvRecords.ts). Pure: no I/O.
 */
import type { RawColumn } from '../../config/config';
import { csvRecords } from './csvRecords';

/** What one CSV file gives. */
export interface CsvFileRecords {
  /** records in file order; `index` is the record_index; `json` the typed SQL's input; `raw` the record as written */
  records: { index: number; json: string; raw: string }[];
  /** records the reader refuses (`invalid_csv`): detail is csv.Error's message, `expected W fields, got N`, or `header: <message>` */
  rejects: { index: number; detail: string; raw: string }[];
  /** lines equal to the header inside the file (concatenated shards): skipped, not records */
  repeatedHeaders: number;
}

/**
 * The records of one CSV text (BOM already dropped). Blank lines are no records. With a header, the
 * first record names the fields: a declared column is found by its `path` (the header name; a name
 * repeated in the header takes its first field); a column the header lacks is absent (NULL); a
 * record with another number of fields than the header is `invalid_csv`; a record equal to the header
 * is a repeated header (skipped, counted). A header that does not parse makes the file one reject.
 * Without a header, columns are read by `position`; a record too short for one leaves it absent.
 * An empty field is absent (NULL).
 * @example csvFileRecords('ID,N\n1,x\nID,N\n2,\n', { delimiter: ',', header: true }, { ID: { type: 'bigint', path: 'ID', unit: 'ms' } })
 * // { records: [{ index: 0, json: '{"ID":"1"}', raw: '1,x' }, { index: 1, json: '{"ID":"2"}', raw: '2,' }], rejects: [], repeatedHeaders: 1 }
 */
export function csvFileRecords(
  text: string,
  csv: { delimiter: string; header: boolean },
  columns: Record<string, RawColumn>,
): CsvFileRecords {
  const out: CsvFileRecords = { records: [], rejects: [], repeatedHeaders: 0 };
  const declared = Object.entries(columns);
  let header: string[] | undefined;
  let fieldOf: [name: string, field: number | undefined][] = declared.map(([name, c]) => [name, c.position]);
  let index = 0;
  for (const record of csvRecords(text, csv.delimiter)) {
    if (record.fields?.length === 0) continue; // a blank line
    if (csv.header && !header) {
      if (record.error !== undefined) {
        // no header to find columns by: the file is one reject
        out.rejects.push({ index: 0, detail: `header: ${record.error}`, raw: record.raw });
        break;
      }
      header = record.fields!;
      const position = new Map<string, number>();
      header.forEach((name, i) => {
        position.has(name) || position.set(name, i);
      });
      fieldOf = declared.map(([name, c]) => [name, position.get(c.path)]);
      continue;
    }
    const fields = record.fields;
    if (header && fields && fields.length === header.length && fields.every((f, i) => f === header![i])) {
      out.repeatedHeaders++;
      continue;
    }
    if (record.error !== undefined || !fields) out.rejects.push({ index, detail: record.error ?? '', raw: record.raw });
    else if (header && fields.length !== header.length)
      out.rejects.push({ index, detail: `expected ${header.length} fields, got ${fields.length}`, raw: record.raw });
    else {
      const values: Record<string, string> = {};
      for (const [name, field] of fieldOf) {
        const value = field === undefined ? undefined : fields[field];
        if (value !== undefined && value !== '') values[name] = value;
      }
      out.records.push({ index, json: JSON.stringify(values), raw: record.raw });
    }
    index++;
  }
  return out;
}
