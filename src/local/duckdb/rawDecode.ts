/**
 * Rule 1 of docs/raw-records.md: a raw file's bytes → its text. Inflates gzip and checks the stream
 * reaches its trailer (DuckDB reads a truncated gzip's readable part silently), drops a UTF-8 BOM,
 * and stops at the caller's size limit. Pure, no I/O.
 */
import * as buffer from 'node:buffer';
import { constants, gunzipSync } from 'node:zlib';

/**
 * Output chunk of zlib: large chunks make inflate ~5× faster than the 16 KiB default on MB-sized
 * files, and one chunk the size the gzip trailer states (ISIZE, RFC 1952: the length mod 2^32)
 * saves ~12 % more. ISIZE is only a hint (a corrupt or multi-member file may state anything), so
 * it is bounded; zlib adds chunks when one is short.
 */
function gunzipChunkBytes(bytes: Buffer): number {
  const isize = bytes.length >= 4 ? bytes.readUInt32LE(bytes.length - 4) : 0;
  return Math.min(Math.max(isize + 1, 1 << 16), 1 << 26);
}

/** Rule 1: a file whose first two bytes are `1f 8b` is gzip. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** A raw file's text: `truncated` when the gzip stream ended before its trailer (then `text` is the readable part). */
export interface DecodedFile {
  /** UTF-8 bytes of the records (decompressed when the file is gzip) */
  text: Buffer;
  gzip: boolean;
  /** the gzip stream is cut short or corrupt: the whole file is one `truncated_gzip` reject */
  truncated: boolean;
  /** the text is over the caller's limit (`text` is then empty): the whole file is one `too_large` reject */
  tooLarge?: boolean;
}

/**
 * Rule 1: decompresses a gzip file and checks that its stream reaches the trailer (length and
 * CRC), which DuckDB does not: it reads a truncated gzip's readable part without an error. A
 * UTF-8 BOM at the start of the text is dropped (Windows editors write one; Firehose never does).
 * A corrupt stream (bad CRC, invalid deflate data) is not trusted either and counts as truncated.
 * Plain files are returned as they are. A text over `maxTextBytes` is `tooLarge`: a gzip is
 * inflated no further than that (a gzip bomb costs at most the limit, not memory until a crash).
 * @example decodeRawFile(gzipSync('{"a":1}')) // { text: <'{"a":1}'>, gzip: true, truncated: false }
 */
export function decodeRawFile(bytes: Buffer, maxTextBytes = Number.MAX_SAFE_INTEGER): DecodedFile {
  const tooLarge = (gzip: boolean): DecodedFile => ({ text: Buffer.alloc(0), gzip, truncated: false, tooLarge: true });
  if (!isGzip(bytes))
    return bytes.length > maxTextBytes ? tooLarge(false) : { text: withoutBom(bytes), gzip: false, truncated: false };
  const chunkSize = Math.min(gunzipChunkBytes(bytes), maxTextBytes + 1);
  // zlib throws ERR_BUFFER_TOO_LARGE once the output passes maxOutputLength
  const overLimit = (err: unknown) => (err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';
  const maxOutputLength = Math.min(maxTextBytes, buffer.kMaxLength);
  try {
    return { text: withoutBom(gunzipSync(bytes, { chunkSize, maxOutputLength })), gzip: true, truncated: false };
  } catch (err) {
    if (overLimit(err)) return tooLarge(true);
    // Z_SYNC_FLUSH at the end returns what inflated so far instead of throwing "unexpected end of file".
    let readable: Buffer;
    try {
      readable = gunzipSync(bytes, { chunkSize, maxOutputLength, finishFlush: constants.Z_SYNC_FLUSH });
    } catch (again) {
      if (overLimit(again)) return tooLarge(true);
      readable = Buffer.alloc(0); // corrupt before any readable byte
    }
    return { text: withoutBom(readable), gzip: true, truncated: true };
  }
}

/** Rule 1: a UTF-8 BOM (EF BB BF) at the start of the text is dropped; elsewhere it is a character. */
function withoutBom(text: Buffer): Buffer {
  return text.length >= 3 && text[0] === 0xef && text[1] === 0xbb && text[2] === 0xbf ? text.subarray(3) : text;
}
