import { gzipSync } from 'node:zlib';
import { decodeRawFile, isGzip } from '../../../src/local/duckdb/rawDecode';
import {
  markNumbers,
  RECORD_FLOAT,
  RECORD_LENIENT,
  RECORD_NESTED,
  RECORD_UNBALANCED,
  recordTexts,
  splitRecords,
} from '../../../src/local/duckdb/records';

/** The record texts the splitter finds in `text` (index = record_index). */
const split = (text: string) => recordTexts(Buffer.from(text, 'utf8')).texts;

describe('splitRecords', () => {
  it('splits newline-delimited records', () => {
    expect(split('{"a":1}\n{"a":2}\n')).toEqual(['{"a":1}', '{"a":2}']);
  });

  it('splits back-to-back records (`}{`)', () => {
    expect(split('{"a":1}{"a":2}{"a":3}')).toEqual(['{"a":1}', '{"a":2}', '{"a":3}']);
  });

  it('splits a mix of `}{`, `}\\n{` and `} \\r\\n {` in one file', () => {
    expect(split('{"a":1}{"a":2}\n{"a":3} \r\n {"a":4}\t{"a":5}')).toEqual([
      '{"a":1}',
      '{"a":2}',
      '{"a":3}',
      '{"a":4}',
      '{"a":5}',
    ]);
  });

  it('respects braces, quotes and escapes inside strings', () => {
    const records = [
      '{"u":"a}b{c"}',
      '{"u":"say \\"}{\\" ok"}',
      '{"u":"back\\\\"}',
      '{"u":"\\\\\\"}"}',
      '{"n":{"deep":{"x":"}"}}}',
    ];
    expect(split(records.join(''))).toEqual(records);
  });

  it('counts nested objects and arrays as part of their record', () => {
    expect(split('{"a":[{"b":1},{"c":[2,{}]}]}{"z":0}')).toEqual(['{"a":[{"b":1},{"c":[2,{}]}]}', '{"z":0}']);
  });

  it('ends an unterminated record at a newline followed by {, then reads the good line after it', () => {
    expect(split('{"sessionId":"s1","timestamp":1,\n{"sessionId":"s2","timestamp":2}\n')).toEqual([
      '{"sessionId":"s1","timestamp":1,',
      '{"sessionId":"s2","timestamp":2}',
    ]);
  });

  it('reads a pretty-printed record over several lines as one record, mixed with one-line records', () => {
    const pretty = '{\n  "a": 1,\n  "b": {\n    "c": [1, 2]\n  }\n}';
    expect(split(`${pretty}\n{"a":2}{"a":3}\n${pretty}`)).toEqual([pretty, '{"a":2}', '{"a":3}', pretty]);
  });

  it('recovery rule: a line starting with { ends the open record (malformed, trailing whitespace dropped), even inside a string', () => {
    expect(split('{"a":1,\n  "b":\r\n{"a":2}\n{"a":"open\n{"a":3}')).toEqual([
      '{"a":1,\n  "b":',
      '{"a":2}',
      '{"a":"open',
      '{"a":3}',
    ]);
  });

  it('reads a file holding one JSON array: each element a record, text after the ] read as records', () => {
    expect(split('  [\n {"a":1},\n\t{"a":[1,{"b":2}]} ,{"s":"],["}\n]\n{"c":3}')).toEqual([
      '{"a":1}',
      '{"a":[1,{"b":2}]}',
      '{"s":"],["}',
      '{"c":3}',
    ]);
    expect(split('[]')).toEqual([]);
    expect(split('[{"a":1}, 2, {"a":1} x, ]')).toEqual(['{"a":1}', '2', '{"a":1} x', '']);
  });

  it('makes the last element of an array without its ] malformed', () => {
    const spans = splitRecords(Buffer.from('[{"a":1},{"a":2}'));
    expect(Array.from(spans.flags.subarray(0, spans.count))).toEqual([0, RECORD_UNBALANCED]);
  });

  it('ends an unterminated record at the end of the text', () => {
    expect(split('{"a":1}{"a":')).toEqual(['{"a":1}', '{"a":']);
  });

  it('keeps a newline inside a string as part of the record (not followed by {)', () => {
    expect(split('{"a":"x\ny"}{"b":1}')).toEqual(['{"a":"x\ny"}', '{"b":1}']);
  });

  it('runs a record that starts with another character to the next newline', () => {
    expect(split('<html><body>502</body></html>\n{"a":1}\nnull\n[{"a":1}] {"b":2}\n')).toEqual([
      '<html><body>502</body></html>',
      '{"a":1}',
      'null',
      '[{"a":1}] {"b":2}',
    ]);
  });

  it('starts a new record right after a closing brace, even for garbage on the same line', () => {
    expect(split('{"a":1}garbage here\n')).toEqual(['{"a":1}', 'garbage here']);
  });

  it('gives no record for an empty file or one of whitespace only', () => {
    expect(split('')).toEqual([]);
    expect(split(' \n\r\n\t \n')).toEqual([]);
  });

  it('ignores blank lines and trailing whitespace between records', () => {
    expect(split('\n\n{"a":1}   \n\n\n{"a":2}\n  \n')).toEqual(['{"a":1}', '{"a":2}']);
  });

  it('drops a BOM at the start of the file; elsewhere it is an ordinary character, its line one (malformed) record', () => {
    expect(split('\uFEFF{"a":1}\n\uFEFF{"a":2}')).toEqual(['{"a":1}', '\uFEFF{"a":2}']);
  });

  it('handles a backslash as the very last byte', () => {
    expect(split('{"a":"\\')).toEqual(['{"a":"\\']);
  });

  it('keeps multi-byte UTF-8 intact', () => {
    expect(split('{"u":"é}ü"}{"u":"日本"}')).toEqual(['{"u":"é}ü"}', '{"u":"日本"}']);
  });

  it('returns byte offsets (record i is bytes [starts[i], ends[i]))', () => {
    const spans = splitRecords(Buffer.from(' {"a":1}\n{"b":2}'));

    expect(spans.count).toBe(2);
    expect([spans.starts[0], spans.ends[0], spans.starts[1], spans.ends[1]]).toEqual([1, 8, 9, 16]);
  });

  it('grows past its first guess of the record count', () => {
    const text = '{}'.repeat(10_000);

    expect(splitRecords(Buffer.from(text)).count).toBe(10_000);
  });
});

describe('splitRecords flags', () => {
  const flagsOf = (text: string) => {
    const spans = splitRecords(Buffer.from(text));
    return Array.from(spans.flags.subarray(0, spans.count));
  };

  it('marks records holding an object or array value as nested, not those with braces in strings', () => {
    expect(flagsOf('{"a":1}{"a":{"b":1}}{"a":[1]}{"a":"{[x]}"}')).toEqual([0, RECORD_NESTED, RECORD_NESTED, 0]);
  });

  it('marks JSON that DuckDB accepts but RFC 8259 (and Spark) rejects: trailing commas, NaN, Infinity', () => {
    const lenient = [
      '{"a":1,}',
      '{"a":[1, ]}',
      '{"a":NaN}',
      '{"a":-Infinity}',
      '{"a":inf}',
      '{"a":nan}',
      '{"a":1 , \t}',
    ];
    const strict = ['{"a":null,"b":false,"c":true}', '{"a":"NaN, Infinity,}"}', '{"a":-1.5e+3}'];

    expect(flagsOf(lenient.join('\n')).map((f) => f & RECORD_LENIENT)).toEqual(lenient.map(() => RECORD_LENIENT));
    expect(flagsOf(strict.join('\n'))).toEqual([0, 0, RECORD_FLOAT]);
  });

  it('marks records that are not brace-balanced objects', () => {
    expect(flagsOf('{"a":1,\n<html>\n{"a":2\n[1]\n{"a":{"b":1}')).toEqual([
      RECORD_UNBALANCED,
      RECORD_UNBALANCED | RECORD_NESTED,
      RECORD_UNBALANCED | RECORD_NESTED,
    ]);
    expect(flagsOf('<html>\n[1]')).toEqual([RECORD_UNBALANCED, RECORD_UNBALANCED]);
    expect(flagsOf('{"a":{}}')).toEqual([RECORD_NESTED]);
  });
});

describe('decodeRawFile', () => {
  it('stops inflating a gzip bomb at the limit: too large, empty text (a truncated_gzip before)', () => {
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 }); // 64 MiB of zeros in ~64 KiB

    const decoded = decodeRawFile(bomb, 1024 * 1024);

    expect(bomb.length).toBeLessThan(100_000);
    expect(decoded).toEqual({ text: Buffer.alloc(0), gzip: true, truncated: false, tooLarge: true });
  });

  it('takes a text of exactly the limit, and a plain file one byte over is too large', () => {
    const text = Buffer.from('x'.repeat(2048));

    expect(decodeRawFile(gzipSync(text), 2048)).toMatchObject({ truncated: false, text });
    expect(decodeRawFile(Buffer.concat([text, Buffer.from('y')]), 2048)).toMatchObject({ gzip: false, tooLarge: true });
  });

  const body = '{"a":1}\n{"a":2}\n';

  it('detects gzip by its magic bytes, not by the name', () => {
    expect(isGzip(gzipSync(body))).toBe(true);
    expect(isGzip(Buffer.from(body))).toBe(false);
    expect(isGzip(Buffer.from([0x1f]))).toBe(false);
  });

  it('inflates a complete gzip file', () => {
    const decoded = decodeRawFile(gzipSync(body));

    expect(decoded).toMatchObject({ gzip: true, truncated: false });
    expect(decoded.text.toString()).toBe(body);
  });

  it('returns a plain file as it is', () => {
    expect(decodeRawFile(Buffer.from(body))).toMatchObject({ gzip: false, truncated: false });
  });

  it('drops a UTF-8 BOM at the start of the text, plain or gzip, and only there', () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    const withBom = Buffer.concat([bom, Buffer.from(body), bom, Buffer.from('{"a":3}')]);

    expect(decodeRawFile(withBom).text.toString()).toBe(`${body}\uFEFF{"a":3}`);
    expect(decodeRawFile(gzipSync(withBom)).text.toString()).toBe(`${body}\uFEFF{"a":3}`);
    expect(recordTexts(withBom).texts).toEqual(['{"a":1}', '{"a":2}', '\uFEFF{"a":3}']);
  });

  it('flags a gzip stream cut before its trailer and keeps the readable text', () => {
    const long = Array.from({ length: 2000 }, (_, i) => `{"sessionId":"s${i}","timestamp":${i}}`).join('\n');
    const zipped = gzipSync(long, { level: 1 });

    const decoded = decodeRawFile(zipped.subarray(0, Math.floor(zipped.length * 0.6)));

    expect(decoded.truncated).toBe(true);
    expect(decoded.text.length).toBeGreaterThan(0);
    expect(long.startsWith(decoded.text.toString())).toBe(true);
  });

  it('flags a gzip file missing only its 8-byte trailer', () => {
    const zipped = gzipSync(body);

    expect(decodeRawFile(zipped.subarray(0, zipped.length - 8)).truncated).toBe(true);
    expect(decodeRawFile(zipped.subarray(0, zipped.length - 1)).truncated).toBe(true);
  });

  it('flags a gzip file with a corrupt CRC', () => {
    const zipped = Buffer.from(gzipSync(body));
    zipped[zipped.length - 6] ^= 0xff;

    expect(decodeRawFile(zipped).truncated).toBe(true);
  });

  it('gives a truncated file no records in recordTexts', () => {
    const zipped = gzipSync(body);

    expect(recordTexts(zipped.subarray(0, 12))).toEqual({ texts: [], truncated: true });
  });
});

describe('markNumbers', () => {
  it('marks numbers with a fraction or an exponent outside strings, leaves integers, strings and invalid tokens', () => {
    const text = '{"a":12.50,"b":"1.5","c":2,"d":[1e3,-0.5E-2],"e":01.5,"f":1.,"g":{"h":-0.0}}';

    expect(markNumbers(Buffer.from(text)).toString()).toBe(
      '{"a":"\\u000112.50","b":"1.5","c":2,"d":["\\u00011e3","\\u0001-0.5E-2"],"e":01.5,"f":1.,"g":{"h":"\\u0001-0.0"}}',
    );
  });
});
