/**
 * Stages one raw file for DuckDB (docs/duckdb-engine.md explains the two line formats): inflate, split
 * into records (records.ts) and write the file's staged lines. Runs on the worker threads of
 * rawStagingPool.ts.
 * ~300 lines: one file's staging, its two line formats and their exact-rule fallbacks go together.
 */
import { join } from 'node:path';
import { isUtf8 } from 'node:buffer';
import { readFileSync, writeFileSync } from 'node:fs';
import type { RawColumn } from '../../config/config';
import { fileTooLargeDetail, tooLargeDetail, TOO_LARGE_KEPT_BYTES } from '../../core/rawSql/contract';
import { csvFileRecords } from './csvReader';
import { decodeRawFile } from './rawDecode';
import { BYTE, markNumbers, RECORD_FLOAT, RECORD_LENIENT, RECORD_UNBALANCED, splitRecords } from './records';

const FIELD_SEP = 0x01;
const { LF, CR, QUOTE, COMMA } = BYTE;
const RECORD_NESTED_BIT = 1;

/**
 * Names of the fields injected into fast lines. They come first in the line and DuckDB's JSON
 * transform takes the first of duplicate keys, so a record that happens to hold a field of that
 * name (undeclared, hence ignored anyway) cannot override them: no need to search the text for them.
 */
export const FAST_FILE_FIELD = '__lakestep_f';
export const FAST_INDEX_FIELD = '__lakestep_i';
/** Larger records take the per-record path (read_json's maximum_object_size stays far above). */
export const FAST_MAX_RECORD_BYTES = 1 << 20;

/**
 * A record that cannot be a staged line (`\n`, `\r` or `\x01` in it, over FAST_MAX_RECORD_BYTES, or
 * a CSV record): appended to DuckDB row by row.
 */
export interface OddRecord {
  fileId: number;
  index: number;
  /** RecordSpans.flags bits */
  flags: number;
  text: string;
  /** the record as written, when `text` is not that (CSV) */
  raw?: string;
}

/** A record (or a whole file, index 0) the reader refuses before any SQL: a `splitter_rejects` row. */
export interface SplitterReject {
  fileId: number;
  index: number;
  reason: 'truncated_gzip' | 'too_large' | 'invalid_csv';
  detail: string;
  text: string;
}

/** One raw file to stage; `fileId` numbers the staged files and their lines. */
export interface StageTask {
  fileId: number;
  path: string;
  stagingDir: string;
  /** stage sound records as fast NDJSON lines (false: every record the per-record way) */
  fastPath: boolean;
  format: 'json' | 'csv';
  /** a longer record is a too_large reject */
  maxRecordBytes: number;
  /** a file whose text (inflated) is larger is one too_large reject (absent: no limit) */
  maxFileBytes?: number;
  /** csv: the dialect and the declared columns */
  csv?: { delimiter: string; header: boolean; columns: Record<string, RawColumn> };
}

/** What staging one file produced. */
export interface StagedFile {
  fileId: number;
  /** bytes of the raw object */
  size: number;
  /** bytes after inflating */
  textBytes: number;
  /** records found by the splitter, rejects included (a truncated file counts one) */
  count: number;
  /** truncated_gzip (the file), too_large and invalid_csv records */
  rejects: SplitterReject[];
  /** csv: lines equal to the header, skipped */
  repeatedHeaders: number;
  /**
   * Fast NDJSON lines: for record index r, its text after the `{` is bytes [starts[r], ends[r]) of
   * `path` (starts[r] = -1: not a fast record).
   */
  fast?: FastFile;
  /** per-record lines `<fileId>\x01<index>\x01<flags>\x01<text>` */
  slowPath?: string;
  odd: OddRecord[];
}

export interface FastFile {
  path: string;
  starts: Int32Array;
  ends: Int32Array;
  count: number;
}

/**
 * Stages one file (synchronous: it runs on a worker thread).
 * @throws the file-system error as it is
 */
export function stageFile(task: StageTask): StagedFile {
  const bytes = readFileSync(task.path);
  const decoded = decodeRawFile(bytes, task.maxFileBytes);
  const base = {
    fileId: task.fileId,
    size: bytes.length,
    textBytes: decoded.text.length,
    odd: [] as OddRecord[],
    rejects: [] as SplitterReject[],
    repeatedHeaders: 0,
  };
  if (decoded.tooLarge) {
    base.rejects.push({
      fileId: task.fileId,
      index: 0,
      reason: 'too_large',
      detail: fileTooLargeDetail(bytes.length, decoded.gzip, task.maxFileBytes!),
      text: '',
    });
    return { ...base, count: 1 };
  }
  if (decoded.truncated) {
    base.rejects.push({
      fileId: task.fileId,
      index: 0,
      reason: 'truncated_gzip',
      detail: String(bytes.length),
      text: decoded.text.toString('utf8'),
    });
    return { ...base, count: 1 };
  }
  // docs/raw-records.md rule 1: text is UTF-8 and undecodable bytes become U+FFFD, as the Spark
  // reader decodes (both replace each maximal invalid subpart). DuckDB would refuse the whole staged
  // file instead.
  const text = isUtf8(decoded.text) ? decoded.text : Buffer.from(decoded.text.toString('utf8'), 'utf8');
  if (task.format === 'csv') return { ...base, ...stageCsv(task, text.toString('utf8'), base.odd, base.rejects) };
  const staged = stageRecords(task, text, base.odd, base.rejects);
  const result: StagedFile = { ...base, count: staged.count };
  if (staged.fast) {
    const path = join(task.stagingDir, `f${task.fileId}.json`);
    writeFileSync(path, staged.fast.lines);
    result.fast = { path, starts: staged.fast.starts, ends: staged.fast.ends, count: staged.fast.count };
  }
  if (staged.slow.length > 0) {
    result.slowPath = join(task.stagingDir, `f${task.fileId}.txt`);
    writeFileSync(result.slowPath, staged.slow);
  }
  return result;
}

/**
 * Splits one file's text and stages its records: sound records as fast NDJSON lines
 * `{"__lakestep_f":<fileId>,"__lakestep_i":<index>,<text after its {>\n`, the rest as per-record
 * lines `<fileId>\x01<index>\x01<flags>\x01<text>\n`. Records that contain `\n`, `\r` or `\x01`
 * cannot be a per-record line: they go to `odd` (rare: only malformed records hold a raw newline,
 * inside an unterminated string).
 */
function stageRecords(
  task: StageTask,
  text: Buffer,
  odd: OddRecord[],
  rejects: SplitterReject[],
): { fast?: { lines: Buffer; starts: Int32Array; ends: Int32Array; count: number }; slow: Buffer; count: number } {
  const { fileId, fastPath } = task;
  const spans = splitRecords(text);
  const slowTexts = new Map<number, Buffer>(); // records staged with their numbers marked
  const fastPrefix = Buffer.from(`{"${FAST_FILE_FIELD}":${fileId},"${FAST_INDEX_FIELD}":`, 'latin1');
  const out = lineBuffer(fastPath ? text.length + spans.count * (fastPrefix.length + 12) + 1 : 0);
  const starts = new Int32Array(spans.count).fill(-1);
  const ends = new Int32Array(spans.count);
  const slow: number[] = [];
  let slowBytes = 0;
  // Positions of the next byte of each kind at or after the current record: each is searched
  // again only once passed, so the checks stay linear even in a file with no newlines.
  let nextLf = -1;
  let nextCr = -1;
  let nextSep = -1;
  const next = (pos: number, byte: number, from: number) =>
    pos === -2 || pos >= from ? pos : nextIndex(text, byte, from);
  let at = 0;
  let fastCount = 0;
  for (let r = 0; r < spans.count; r++) {
    const start = spans.starts[r];
    const end = spans.ends[r];
    const flags = spans.flags[r];
    if (end - start > task.maxRecordBytes) {
      rejects.push({
        fileId,
        index: r,
        reason: 'too_large',
        detail: tooLargeDetail(end - start, task.maxRecordBytes),
        text: utf8Prefix(text, start, end, TOO_LARGE_KEPT_BYTES),
      });
      continue;
    }
    nextLf = next(nextLf, LF, start);
    nextCr = next(nextCr, CR, start);
    const multiline = (nextLf >= 0 && nextLf < end) || (nextCr >= 0 && nextCr < end);
    const invalid = (flags & (RECORD_LENIENT | RECORD_UNBALANCED)) !== 0;
    if (!invalid && flags & RECORD_FLOAT) {
      // numbers marked (src/core/rawSql/contract.ts): never a fast line (its text is read back as written)
      const marked = markNumbers(text.subarray(start, end));
      if (multiline || marked.length > FAST_MAX_RECORD_BYTES || marked.includes(FIELD_SEP))
        odd.push({ fileId, index: r, flags, text: marked.toString('utf8') });
      else {
        slowTexts.set(r, marked);
        slow.push(r);
        slowBytes += marked.length;
      }
      continue;
    }
    if (multiline || end - start > FAST_MAX_RECORD_BYTES) {
      odd.push({ fileId, index: r, flags, text: text.toString('utf8', start, end) });
      continue;
    }
    if (fastPath && (flags & ~RECORD_NESTED_BIT) === 0 && text[start + 1] === QUOTE) {
      at += fastPrefix.copy(out, at);
      at = writeDigits(out, at, r);
      out[at++] = COMMA;
      starts[r] = at;
      at += text.copy(out, at, start + 1, end);
      ends[r] = at;
      out[at++] = LF;
      fastCount++;
      continue;
    }
    nextSep = next(nextSep, FIELD_SEP, start);
    if (nextSep >= 0 && nextSep < end) {
      odd.push({ fileId, index: r, flags, text: text.toString('utf8', start, end) });
      continue;
    }
    slow.push(r);
    slowBytes += end - start;
  }
  const slowLines = Buffer.allocUnsafe(slowBytes + slow.length * (String(fileId).length + 16));
  let s = 0;
  for (const r of slow) {
    s += slowLines.write(`${fileId}\x01${r}\x01${spans.flags[r]}\x01`, s, 'latin1');
    const marked = slowTexts.get(r);
    s += marked ? marked.copy(slowLines, s) : text.copy(slowLines, s, spans.starts[r], spans.ends[r]);
    slowLines[s++] = LF;
  }
  return {
    fast: fastCount > 0 ? { lines: out.subarray(0, at), starts, ends, count: fastCount } : undefined,
    slow: slowLines.subarray(0, s),
    count: spans.count,
  };
}

/** CSV: every record appended (dumps are small), typed by the same SQL as JSON through its JSON object. */
function stageCsv(
  task: StageTask,
  text: string,
  odd: OddRecord[],
  rejects: SplitterReject[],
): { count: number; repeatedHeaders: number } {
  const csv = task.csv!;
  const read = csvFileRecords(text, csv, csv.columns);
  for (const record of read.records)
    odd.push({ fileId: task.fileId, index: record.index, flags: 0, text: record.json, raw: record.raw });
  for (const reject of read.rejects)
    rejects.push({
      fileId: task.fileId,
      index: reject.index,
      reason: 'invalid_csv',
      detail: reject.detail,
      text: reject.raw,
    });
  return { count: read.records.length + read.rejects.length, repeatedHeaders: read.repeatedHeaders };
}

/** The first `limit` bytes of text[start, end) as a string, cut back to a UTF-8 character boundary. */
function utf8Prefix(text: Buffer, start: number, end: number, limit: number): string {
  let cut = Math.min(end, start + limit);
  if (cut < end) while (cut > start && (text[cut] & 0xc0) === 0x80) cut--; // text[cut] continues a character
  return text.toString('utf8', start, cut);
}

/**
 * The fast lines' buffer, reused from file to file: a fresh megabytes-sized buffer per file costs
 * more in page faults (system time) than filling it. Safe because stageFile writes the lines out
 * before it returns.
 */
let lines = Buffer.alloc(0);
function lineBuffer(bytes: number): Buffer {
  if (lines.length < bytes) lines = Buffer.allocUnsafe(Math.ceil(bytes * 1.25));
  return lines;
}

/** indexOf, with -2 meaning "none left" so the caller stops searching. */
function nextIndex(text: Buffer, byte: number, from: number): number {
  const found = text.indexOf(byte, from);
  return found < 0 ? -2 : found;
}

function writeDigits(out: Buffer, at: number, value: number): number {
  if (value === 0) {
    out[at] = 0x30;
    return at + 1;
  }
  let digits = 0;
  for (let v = value; v > 0; v = Math.floor(v / 10)) digits++;
  for (let k = digits - 1, v = value; k >= 0; k--, v = Math.floor(v / 10)) out[at + k] = 0x30 + (v % 10);
  return at + digits;
}
