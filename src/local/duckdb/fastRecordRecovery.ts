/**
 * The fast path's after-care: records DuckDB's NDJSON reader refused go back to the per-record path,
 * and rejected fast records get their raw text back from the staged files (docs/duckdb-engine.md).
 */
import { readFile } from 'node:fs/promises';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { FastFile, OddRecord } from './rawStaging';

/**
 * Fast records that DuckDB's NDJSON parser refused (balanced, unflagged, yet not JSON it accepts):
 * found per file by count (classified holds only fast rows yet), read back from their staged
 * files and queued for the per-record path, where they are judged exactly (most become
 * invalid_json). Rare: runs only when the insert loaded fewer rows than were staged.
 */
export async function recoverRefused(
  connection: DuckDBConnection,
  fastFiles: Map<number, FastFile>,
  odd: OddRecord[],
): Promise<void> {
  const loaded = new Map(
    (await connection.runAndReadAll('SELECT _file_id, count(*)::BIGINT FROM classified GROUP BY ALL'))
      .getRows()
      .map(([f, n]) => [Number(f), Number(n)]),
  );
  for (const [id, fast] of fastFiles) {
    if ((loaded.get(id) ?? 0) === fast.count) continue;
    const present = (
      await connection.runAndReadAll(`SELECT _record_index FROM classified WHERE _file_id = ${id}`)
    ).getRows();
    const seen = new Set(present.map(([i]) => Number(i)));
    const missing: number[] = [];
    for (let r = 0; r < fast.starts.length; r++) if (fast.starts[r] >= 0 && !seen.has(r)) missing.push(r);
    const texts = await readFastTexts(fast, missing);
    missing.forEach((r, k) => {
      odd.push({ fileId: id, index: r, flags: 0, text: texts[k] });
      fast.starts[r] = -1; // no longer a fast record: its text is in odd_records
    });
  }
}

/** The original texts of some fast records of one file (`{` + the staged bytes after the injected fields). */
async function readFastTexts(fast: FastFile, indices: number[]): Promise<string[]> {
  if (indices.length === 0) return [];
  const lines = await readFile(fast.path);
  return indices.map((r) => '{' + lines.toString('utf8', fast.starts[r], fast.ends[r]));
}

/** The raw text of every rejected fast record (classified has none for them: t was not loaded), from its staged line. */
export async function loadFastRejectTexts(
  connection: DuckDBConnection,
  fastFiles: Map<number, FastFile>,
): Promise<void> {
  if (fastFiles.size === 0) return;
  const rows = (
    await connection.runAndReadAll(
      'SELECT _file_id, _record_index FROM classified WHERE reason IS NOT NULL AND raw_text IS NULL ORDER BY ALL',
    )
  ).getRows();
  if (rows.length === 0) return;
  const byFile = new Map<number, number[]>();
  for (const [f, i] of rows) {
    if (!fastFiles.has(Number(f))) continue;
    const list = byFile.get(Number(f)) ?? [];
    list.push(Number(i));
    byFile.set(Number(f), list);
  }
  await connection.run('CREATE OR REPLACE TEMP TABLE fast_texts (f INTEGER, i BIGINT, t VARCHAR)');
  const appender = await connection.createAppender('fast_texts');
  for (const [f, indices] of byFile) {
    const texts = await readFastTexts(fastFiles.get(f)!, indices);
    indices.forEach((i, k) => {
      appender.appendInteger(f);
      appender.appendBigInt(BigInt(i));
      appender.appendVarchar(texts[k]);
      appender.endRow();
    });
  }
  appender.closeSync();
  await connection.run(`UPDATE classified SET raw_text = fast_texts.t FROM fast_texts WHERE classified._file_id = fast_texts.f AND classified._record_index = fast_texts.i;
    DROP TABLE fast_texts`);
}
