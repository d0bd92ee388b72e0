/**
 * The node (entity) history behind `node_snapshots`: which project each node belongs to, and
 * when, over the sample's days. Decided up front from its own Rng (so the access records never
 * change), except for nodes the download generator marks to appear late (appearLater), and the
 * node type, which the first download of a node fixes (a node downloaded as a table is a table).
 *
 * A daily dump of day D lists the state at the end of day D (23:59:59.999 UTC): every node that
 * exists by then, with its current project and TIMESTAMP = epoch ms when it entered that project.
 */
import type { DownloadHint } from './accessRecord';
import type { Rng } from '../../../src/sample/rng';
import { MS_PER_DAY as DAY_MS } from '../../../src/core/days';

const HOUR_MS = 3_600_000;

/** The dump's columns: the pipeline reads the first four; the rest are ignored (as in the warehouse export). */
export const SNAPSHOT_HEADER = 'ID,PROJECT_ID,NODE_TYPE,TIMESTAMP,NAME,CREATED_BY,PARENT_ID,VERSION_NUMBER,IS_PUBLIC';

export type NodeType = 'file' | 'table' | 'folder';

/** One node's life over the sample. Times are epoch ms (UTC). */
export interface NodeLife {
  id: number;
  /** the project it first belongs to */
  projectId: number;
  /** when it entered `projectId` (before the first day, or `firstMs` for a node that appears late) */
  enteredMs: number;
  /** first dump that can list it is the day of this; -Infinity for a node older than the sample */
  firstMs: number;
  /** a move to another project during the sample */
  move?: { toProjectId: number; atMs: number };
  type: NodeType;
  name: string;
  createdBy: number;
}

/** Moves and late appearances as tests read them. */
export interface NodeEvents {
  moved: { id: number; fromProjectId: number; toProjectId: number; atMs: number }[];
  appearedLate: { id: number; firstMs: number }[];
}

const NAME_WORDS = ['counts', 'rnaseq', 'clinical', 'metadata', 'images', 'variants', 'proteomics', 'manifest'];
const EXTENSIONS = ['csv', 'tsv', 'bam', 'vcf.gz', 'txt', 'h5ad'];

/** The node ids and project ids stay within disjoint ranges, so a test can never confuse them. */
export class NodeBook {
  private readonly nodes = new Map<number, NodeLife>();
  private readonly projects: number[] = [];
  private readonly typed = new Set<number>();

  /**
   * @param entityIds node ids the access records draw from (repeats collapse)
   * @param startMs the first snapshot day's 00:00 UTC, epoch ms
   * @param days snapshot days, ≥ 1; moves and late nodes fall on days 1 … days-1 (none when days = 1)
   */
  constructor(
    private readonly rng: Rng,
    entityIds: readonly number[],
    private readonly startMs: number,
    private readonly days: number,
  ) {
    for (let i = 0; i < 40; i++) this.projects.push(1_000_000 + i * 9_973 + rng.int(9_000));
    let serial = 0;
    for (const id of entityIds) {
      if (this.nodes.has(id)) continue;
      const r = rng.float();
      this.nodes.set(id, {
        id,
        projectId: this.projects[Math.floor(r * r * this.projects.length)], // a few large projects
        enteredMs: startMs - (1 + rng.int(900)) * DAY_MS - rng.int(DAY_MS),
        firstMs: -Infinity,
        type: rng.float() < 0.75 ? 'file' : rng.float() < 0.6 ? 'folder' : 'table',
        name: nodeName(rng, serial++),
        createdBy: rng.between(3_300_000, 3_520_000),
      });
    }
    if (days < 2) return;
    // Moves: the most popular node (so downloads fall either side of its move) and about 1 % more.
    const ids = [...this.nodes.keys()];
    const movers = new Set<number>([entityIds[0]]);
    for (const id of ids) if (rng.float() < 0.01) movers.add(id);
    for (const id of movers) {
      const node = this.nodes.get(id)!;
      let to = rng.pick(this.projects);
      if (to === node.projectId) to = this.projects[(this.projects.indexOf(to) + 1) % this.projects.length];
      // never on day 0: the dump before the move must exist, or the old row would never be seen
      node.move = { toProjectId: to, atMs: startMs + rng.between(1, days - 1) * DAY_MS + rng.int(DAY_MS) };
    }
    // A few nodes created during the sample, independent of downloads.
    for (const id of ids) {
      const node = this.nodes.get(id)!;
      if (node.move || rng.float() >= 0.004) continue;
      node.firstMs = node.enteredMs = startMs + rng.between(1, days - 1) * DAY_MS + rng.int(DAY_MS);
    }
  }

  has(id: number): boolean {
    return this.nodes.has(id);
  }

  /**
   * Makes a node that has no move appear only after a download at `atMs` (so that download comes
   * out unattributed): created 1 to 20 hours later, within the sample's last day.
   * @returns false (and changes nothing) when the node moves, already appears late, or the creation would fall after the last day
   */
  appearLater(id: number, atMs: number): boolean {
    const node = this.nodes.get(id);
    if (!node || node.move || node.firstMs !== -Infinity) return false;
    const firstMs = atMs + HOUR_MS + this.rng.int(19 * HOUR_MS);
    if (firstMs >= this.startMs + this.days * DAY_MS) return false;
    node.firstMs = node.enteredMs = firstMs;
    return true;
  }

  /** The first download of a node fixes its type: a file download means a file, a table download a table. */
  downloaded(id: number, kind: DownloadHint['kind']): void {
    const node = this.nodes.get(id);
    if (!node || this.typed.has(id)) return;
    this.typed.add(id);
    if (kind === 'file' || kind === 'table') node.type = kind;
  }

  /**
   * The project a node belongs to at `atMs` by the snapshot rows: the row with the latest
   * TIMESTAMP not after `atMs`; undefined when the node has no such row (not created yet).
   */
  projectAt(id: number, atMs: number): number | undefined {
    const node = this.nodes.get(id);
    if (!node || node.enteredMs > atMs) return undefined;
    return node.move && node.move.atMs <= atMs ? node.move.toProjectId : node.projectId;
  }

  /**
   * The dump of snapshot day `dayIndex` (0-based) as CSV text with a header (RFC 4180: a name
   * holding a comma or a quote is quoted, quotes doubled), rows in node-id order.
   * @returns the text and its row count
   */
  dump(dayIndex: number): { text: string; rows: number } {
    const endMs = this.startMs + (dayIndex + 1) * DAY_MS - 1;
    const lines = [SNAPSHOT_HEADER];
    for (const node of [...this.nodes.values()].sort((a, b) => a.id - b.id)) {
      if (node.firstMs > endMs) continue;
      const moved = node.move !== undefined && node.move.atMs <= endMs;
      const project = moved ? node.move!.toProjectId : node.projectId;
      const timestamp = moved ? node.move!.atMs : node.enteredMs;
      lines.push(
        `${node.id},${project},${node.type},${timestamp},${csvField(node.name)},${node.createdBy},${project},${1 + (node.id % 7)},${node.id % 5 === 0}`,
      );
    }
    return { text: lines.join('\n') + '\n', rows: lines.length - 1 };
  }

  events(): NodeEvents {
    const all = [...this.nodes.values()].sort((a, b) => a.id - b.id);
    return {
      moved: all
        .filter((n) => n.move)
        .map((n) => ({ id: n.id, fromProjectId: n.projectId, toProjectId: n.move!.toProjectId, atMs: n.move!.atMs })),
      appearedLate: all.filter((n) => n.firstMs !== -Infinity).map((n) => ({ id: n.id, firstMs: n.firstMs })),
    };
  }

  get size(): number {
    return this.nodes.size;
  }
}

/** A file-like name; about 1 in 12 holds a comma and 1 in 40 a double quote, so the CSV must quote them. */
function nodeName(rng: Rng, serial: number): string {
  const word = rng.pick(NAME_WORDS);
  const ext = rng.pick(EXTENSIONS);
  const r = rng.float();
  if (r < 0.08) return `${word}, batch ${serial}.${ext}`;
  if (r < 0.105) return `${word} "final" ${serial}.${ext}`;
  return `${word}_${serial}.${ext}`;
}

/** RFC 4180: quote a field holding a comma, a quote or a line break; double its quotes. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
