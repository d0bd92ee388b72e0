/**
 * SnsNotifier: alerts to the stage's SNS topic (email subscribers read Subject and the JSON body).
 */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { Notifier } from '../core/ports';

/** SNS rejects a Subject over 100 characters, or with line breaks or control characters. */
export const MAX_SUBJECT_CHARS = 100;
/** SNS's message limit: 256 KiB of UTF-8. */
export const MAX_MESSAGE_BYTES = 256 * 1024;

export class SnsNotifier implements Notifier {
  /**
   * @param client an SNS client (see clients.ts); no I/O on construction
   * @param topicArn e.g. `arn:aws:sns:us-east-1:123456789012:lakestep-prod-alerts`
   */
  constructor(
    private readonly client: SNSClient,
    private readonly topicArn: string,
  ) {}

  /**
   * Publishes `message` as pretty JSON with `subject` made acceptable to SNS (see snsSubject).
   * A message over 256 KiB is cut and ends with a `[truncated …]` marker (it is then no longer JSON):
   * an alert that arrives cut beats one SNS refuses.
   * @throws the SDK's errors (e.g. NotFoundException for a missing topic, AuthorizationErrorException)
   */
  async publish(subject: string, message: Record<string, unknown>): Promise<void> {
    await this.client.send(
      new PublishCommand({
        TopicArn: this.topicArn,
        Subject: snsSubject(subject),
        Message: truncateUtf8(JSON.stringify(message, null, 2), MAX_MESSAGE_BYTES),
      }),
    );
  }
}

/**
 * A Subject SNS accepts: printable ASCII only (other characters → `?`, line breaks and tabs → space),
 * whitespace collapsed, at most 100 characters (cut with `...`), never empty.
 * @example snsSubject('lakestep prod: 3 days failed — access_records\n') // 'lakestep prod: 3 days failed ? access_records'
 */
export function snsSubject(subject: string): string {
  const ascii = subject
    .replace(/[\r\n\t]/g, ' ')
    .replace(/[^\x20-\x7e]/g, '?')
    .replace(/ {2,}/g, ' ')
    .trim();
  const text = ascii || 'lakestep alert';
  return text.length <= MAX_SUBJECT_CHARS ? text : `${text.slice(0, MAX_SUBJECT_CHARS - 3).trimEnd()}...`;
}

/**
 * `text` if it fits in `maxBytes` of UTF-8; otherwise its longest prefix that fits together with a marker
 * `\n[truncated: <shown> of <total> bytes shown]`, cut on a character boundary.
 */
export function truncateUtf8(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  // The marker's length depends on the numbers in it; reserve room for the widest it can get.
  const reserve = Buffer.byteLength(`\n[truncated: ${bytes.length} of ${bytes.length} bytes shown]`);
  let cut = Math.max(0, maxBytes - reserve);
  while (cut > 0 && (bytes[cut] & 0xc0) === 0x80) cut--; // never split a multi-byte character
  return `${bytes.subarray(0, cut).toString('utf8')}\n[truncated: ${cut} of ${bytes.length} bytes shown]`;
}
