/** One raw access-record file being filled, in Firehose's layouts (newline-delimited, back to back, mixed). */
import type { Rng } from '../../../src/sample/rng';

/**
 * One file being filled, as UTF-8 bytes. Records are copied into the buffer as they are made:
 * holding millions of concatenated strings until a join costs more in GC than building them.
 */
export class FileBuilder {
  private buf = Buffer.allocUnsafe(1 << 20);
  private len = 0;
  private prevIsolated = false;
  count = 0;
  /**
   * The last record is an unterminated object: the splitter (docs/raw-records.md, recovery rule)
   * ends it only at a line starting with `{`, so a following line of garbage would join it.
   */
  open = false;

  /**
   * @param timeMs the flush time (names the file; events precede it)
   * @param mode 0 newline-delimited, 1 back to back (`}{`), 2 mixed per record
   */
  constructor(
    readonly timeMs: number,
    private readonly mode: number,
    private readonly rng: Rng,
  ) {}

  /** @param isolated malformed text: it gets a newline before and after, so the scan of raw-records.md ends it there */
  append(text: string, isolated = false): void {
    if (
      this.count > 0 &&
      (this.mode === 0 || isolated || this.prevIsolated || (this.mode === 2 && this.rng.float() < 0.5))
    )
      this.raw('\n');
    this.raw(text);
    this.prevIsolated = isolated;
    this.open = false;
    this.count++;
  }

  /** The file's bytes (a trailing newline for newline-delimited files, as Firehose's delimiter leaves). */
  finish(): Buffer {
    if (this.mode === 0 || this.prevIsolated) this.raw('\n');
    return this.buf.subarray(0, this.len);
  }

  private raw(text: string) {
    const need = this.len + text.length * 3; // UTF-8 worst case
    if (need > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(need, this.buf.length * 2));
      this.buf.copy(bigger, 0, 0, this.len);
      this.buf = bigger;
    }
    this.len += this.buf.write(text, this.len, 'utf8');
  }
}
