/**
 * Raw files as Firehose writes them: object keys, record joining, gzip. Shared by the sample
 * generator and by tests that plant hand-written files.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { gzip as gzipCb } from 'node:zlib';
import { promisify } from 'node:util';

const gzipAsync = promisify(gzipCb);

/** Raw layouts: Firehose's default `YYYY/MM/DD/HH/` prefix, or Hive-style `year=YYYY/month=MM/day=DD/`. */
export type RawLayout = 'firehose' | 'hive';

/** How records are separated in a file: `newline` (`}\n{`), `none` (back to back, `}{`), or a `mixed` per-record choice. */
export type RecordSeparator = 'newline' | 'none' | 'mixed';

/**
 * The object key of a raw file, relative to the lake.
 * @param prefix the dataset's raw prefix, ending in `/` (e.g. `raw/access_records/`)
 * @param arrivalMs the file's write time, epoch ms (UTC); it names both the folder and the file
 * @param id a unique suffix (Firehose uses a UUID)
 * @param stream the delivery stream's name, which Firehose puts first in the file name
 * @example rawFileKey('raw/access_records/', Date.UTC(2024, 2, 5, 10, 15, 30), 'abc', 'firehose')
 *   // 'raw/access_records/2024/03/05/10/lakestep-access-records-1-2024-03-05-10-15-30-abc.gz'
 */
export function rawFileKey(
  prefix: string,
  arrivalMs: number,
  id: string,
  layout: RawLayout = 'firehose',
  stream = 'lakestep-access-records',
): string {
  const iso = new Date(arrivalMs).toISOString(); // 2024-03-05T10:15:30.000Z
  const [y, mo, d, h, mi, s] = [
    iso.slice(0, 4),
    iso.slice(5, 7),
    iso.slice(8, 10),
    iso.slice(11, 13),
    iso.slice(14, 16),
    iso.slice(17, 19),
  ];
  const folder = layout === 'hive' ? `year=${y}/month=${mo}/day=${d}` : `${y}/${mo}/${d}/${h}`;
  return `${prefix}${folder}/${stream}-1-${y}-${mo}-${d}-${h}-${mi}-${s}-${id}.gz`;
}

export interface WriteRawFileOptions {
  /** gzip the text; default: when the key ends in `.gz` */
  gzip?: boolean;
  /** default `newline` */
  separator?: RecordSeparator;
  /** for `mixed`: picks newline for record i when true; default alternates */
  newlineAfter?: (index: number) => boolean;
  /** end the text with a newline (Firehose's newline delimiter does); default: true for `newline` */
  trailingNewline?: boolean;
  /**
   * Cut the gzip stream short (a truncated upload): keep this fraction of the compressed bytes,
   * so the trailer and part of the data are missing. Only with gzip.
   */
  truncateGzipFraction?: number;
  /** gzip level 1…9; default 1 (fast: the bench writes gigabytes) */
  gzipLevel?: number;
}

/**
 * Joins record texts the way Firehose writes them.
 * @example joinRecords(['{"a":1}', '{"a":2}'], 'none') // '{"a":1}{"a":2}'
 */
export function joinRecords(
  records: readonly string[],
  opts: Pick<WriteRawFileOptions, 'separator' | 'newlineAfter' | 'trailingNewline'> = {},
): string {
  const separator = opts.separator ?? 'newline';
  const newlineAfter = opts.newlineAfter ?? ((i: number) => i % 2 === 0);
  let text = '';
  for (let i = 0; i < records.length; i++) {
    if (i > 0) {
      const nl = separator === 'newline' || (separator === 'mixed' && newlineAfter(i - 1));
      if (nl) text += '\n';
    }
    text += records[i];
  }
  if (opts.trailingNewline ?? separator === 'newline') text += '\n';
  return text;
}

/**
 * Encodes a file's text: UTF-8, then gzip (fast level by default), optionally cut short.
 */
export async function encodeRawText(
  text: string,
  opts: Pick<WriteRawFileOptions, 'gzip' | 'truncateGzipFraction' | 'gzipLevel'> & { gzip: boolean },
): Promise<Buffer> {
  const plain = Buffer.from(text, 'utf8');
  if (!opts.gzip) return plain;
  const zipped = await gzipAsync(plain, { level: opts.gzipLevel ?? 1 });
  if (opts.truncateGzipFraction === undefined) return zipped;
  // Keep at least the 10-byte header; always lose the 8-byte trailer.
  const keep = Math.max(10, Math.min(zipped.length - 9, Math.floor(zipped.length * opts.truncateGzipFraction)));
  return zipped.subarray(0, keep);
}

/**
 * Writes one raw file under the lake (creating folders), for tests that plant hand-written input.
 * @param key relative to the lake, `/`-separated (see rawFileKey)
 * @param records record texts, written as given (they may be malformed on purpose)
 * @returns the absolute path and the bytes written
 * @example await writeRawFile(lake, 'raw/access_records/2024/03/05/10/f.gz', ['{"sessionId":"s","timestamp":1}'], { separator: 'none' })
 */
export async function writeRawFile(
  lakeDir: string,
  key: string,
  records: readonly string[],
  opts: WriteRawFileOptions = {},
): Promise<{ path: string; bytes: number }> {
  const gzip = opts.gzip ?? key.endsWith('.gz');
  const body = await encodeRawText(joinRecords(records, opts), { ...opts, gzip });
  const path = join(lakeDir, ...key.split('/'));
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, body);
  return { path, bytes: body.length };
}
