/**
 * A simulated S3 bucket of Firehose raw data, for `npm run bench:discover`: an S3Client whose
 * ListObjectsV2 answers are generated from arithmetic (key i of the bucket is a function of i), so
 * millions of keys cost no disk and no memory until a lister holds them. Serves Prefix,
 * ContinuationToken and MaxKeys (≤ 1,000, as S3) and counts the pages it served; anything else throws.
 */
import {
  ListObjectsV2Command,
  S3Client,
  type ListObjectsV2CommandInput,
  type ListObjectsV2CommandOutput,
} from '@aws-sdk/client-s3';
import { addDays } from '../core/days';
import type { Day, ObjectInfo } from '../core/types';

/** S3's most keys per ListObjectsV2 page, whatever MaxKeys asks. */
const S3_PAGE_KEYS = 1000;

export interface SimulatedFirehose {
  /** raw prefix, ending in `/` */
  prefix: string;
  /** first arrival day */
  firstDay: Day;
  /** arrival days, each with 24 hourly folders */
  days: number;
  /** objects per hour folder */
  filesPerHour: number;
  /** bytes of each object */
  objectBytes: number;
}

/**
 * @example const bucket = new SimulatedFirehoseBucket({ prefix: 'raw/access_records/', firstDay: '2020-01-01', days: 1827, filesPerHour: 60, objectBytes: 5 << 20 });
 * new S3ObjectStore(bucket.client, 'simulated').list('raw/access_records/2024/12/31/') // 1,440 objects, 2 pages
 */
export class SimulatedFirehoseBucket {
  readonly client: S3Client;
  /** ListObjectsV2 pages served so far */
  pages = 0;
  /** ListObjectsV2 requests (a first page each) so far */
  requests = 0;
  /** called once per page served (the bench samples the heap there) */
  onPage?: () => void;
  readonly keyCount: number;
  /** `YYYY/MM/DD/` and `YYYY-MM-DD` of each simulated day (date arithmetic per key would dominate the timings) */
  private readonly dayParts: { folder: string; day: Day }[];

  constructor(private readonly sim: SimulatedFirehose) {
    this.keyCount = sim.days * 24 * sim.filesPerHour;
    this.dayParts = Array.from({ length: sim.days }, (_, i) => {
      const day = addDays(sim.firstDay, i);
      return { folder: day.replaceAll('-', '/'), day };
    });
    // A real client (the SDK's paginator insists on one) whose send never reaches the network.
    this.client = new S3Client({
      region: 'us-east-1',
      credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    });
    this.client.send = (async (command: unknown) => this.answer(command)) as S3Client['send'];
  }

  /** The bucket's i-th key in key order (0 ≤ i < keyCount). */
  keyAt(i: number): string {
    const perDay = 24 * this.sim.filesPerHour;
    const { folder, day } = this.dayParts[Math.floor(i / perDay)];
    const hour = String(Math.floor((i % perDay) / this.sim.filesPerHour)).padStart(2, '0');
    const file = String(i % this.sim.filesPerHour).padStart(4, '0');
    return `${this.sim.prefix}${folder}/${hour}/stream-1-${day}-${hour}-${file}-0b8f3c2e.gz`;
  }

  /**
   * One arrival day's objects, as a listing returns them (without serving pages: the bench builds
   * its ledger from these, untimed).
   * @param hours the first `hours` hour folders of the day (24: all)
   */
  dayObjects(dayIndex: number, hours = 24): ObjectInfo[] {
    const first = dayIndex * 24 * this.sim.filesPerHour;
    return Array.from({ length: hours * this.sim.filesPerHour }, (_, k) => this.objectAt(first + k));
  }

  private objectAt(i: number): ObjectInfo {
    return {
      key: this.keyAt(i),
      size: this.sim.objectBytes,
      etag: ((i * 2654435761) >>> 0).toString(16).padStart(8, '0'),
    };
  }

  /** The last simulated arrival day. */
  get lastDay(): Day {
    return addDays(this.sim.firstDay, this.sim.days - 1);
  }

  private answer(command: unknown): ListObjectsV2CommandOutput {
    if (!(command instanceof ListObjectsV2Command))
      throw new Error(
        `SimulatedFirehoseBucket serves ListObjectsV2 only, got ${(command as object)?.constructor?.name}`,
      );
    const input: ListObjectsV2CommandInput = command.input;
    if (input.Delimiter !== undefined || input.StartAfter !== undefined)
      throw new Error('SimulatedFirehoseBucket: Delimiter and StartAfter are not simulated');
    const prefix = input.Prefix ?? '';
    const [first, end] = this.rangeOf(prefix);
    const start = input.ContinuationToken === undefined ? first : Number(input.ContinuationToken);
    if (input.ContinuationToken === undefined) this.requests++;
    const stop = Math.min(end, start + Math.min(input.MaxKeys ?? S3_PAGE_KEYS, S3_PAGE_KEYS));
    const contents = [];
    for (let i = start; i < stop; i++) {
      const object = this.objectAt(i);
      contents.push({ Key: object.key, Size: object.size, ETag: `"${object.etag}"` });
    }
    this.pages++;
    this.onPage?.();
    return {
      $metadata: {},
      Contents: contents,
      KeyCount: contents.length,
      IsTruncated: stop < end,
      ...(stop < end ? { NextContinuationToken: String(stop) } : {}),
    };
  }

  /** [first, end) indexes of the keys starting with `prefix`: keys are in order, so two binary searches. */
  private rangeOf(prefix: string): [number, number] {
    const lowest = (holds: (i: number) => boolean, from: number) => {
      let low = from;
      let high = this.keyCount;
      while (low < high) {
        const mid = (low + high) >> 1;
        if (holds(mid)) high = mid;
        else low = mid + 1;
      }
      return low;
    };
    const first = lowest((i) => this.keyAt(i) >= prefix, 0);
    const end = lowest((i) => !this.keyAt(i).startsWith(prefix), first);
    return [first, end];
  }
}
