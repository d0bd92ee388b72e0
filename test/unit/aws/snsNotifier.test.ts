import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { MAX_MESSAGE_BYTES, SnsNotifier, snsSubject, truncateUtf8 } from '../../../src/aws/snsNotifier';

const sns = mockClient(SNSClient);
const topicArn = 'arn:aws:sns:us-east-1:123456789012:lakestep-prod-alerts';
const notifier = () => new SnsNotifier(new SNSClient({ region: 'us-east-1' }), topicArn);

beforeEach(() => sns.reset());

describe('SnsNotifier.publish', () => {
  it('publishes the message as pretty JSON to the topic', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm1' });
    const message = { executionId: 'exec-7f3a', failedDays: ['2024-03-05'], cause: 'StepFailedError' };

    await notifier().publish('lakestep prod: exec-7f3a failed', message);

    expect(sns.commandCalls(PublishCommand)[0].args[0].input).toEqual({
      TopicArn: topicArn,
      Subject: 'lakestep prod: exec-7f3a failed',
      Message: JSON.stringify(message, null, 2),
    });
  });

  it('trims the subject to 100 printable ASCII characters', async () => {
    sns.on(PublishCommand).resolves({});

    await notifier().publish(`lakestep prod — ${'access_records '.repeat(10)}\nfailed`, {});

    const subject = sns.commandCalls(PublishCommand)[0].args[0].input.Subject ?? '';
    expect(subject).toHaveLength(100);
    expect(subject).toMatch(/^lakestep prod \? access_records /);
    expect(subject.endsWith('...')).toBe(true);
    expect(subject).toMatch(/^[\x20-\x7e]+$/);
  });

  it('truncates a message over 256 KiB with a marker', async () => {
    sns.on(PublishCommand).resolves({});

    await notifier().publish('big', { days: Array.from({ length: 40_000 }, (_, i) => `day-${i}`) });

    const sent = sns.commandCalls(PublishCommand)[0].args[0].input.Message ?? '';
    expect(Buffer.byteLength(sent)).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
    expect(sent).toMatch(/\n\[truncated: \d+ of \d+ bytes shown\]$/);
  });
});

describe('snsSubject', () => {
  it('replaces line breaks and non-ASCII, and never sends an empty subject', () => {
    expect(snsSubject('a\r\nb\tc — é')).toBe('a b c ? ?');
    expect(snsSubject('  \n ')).toBe('lakestep alert');
    expect(snsSubject('x'.repeat(100))).toBe('x'.repeat(100));
  });
});

describe('truncateUtf8', () => {
  it('cuts on a character boundary', () => {
    const text = 'é'.repeat(100); // 200 bytes

    const cut = truncateUtf8(text, 80);

    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(80);
    expect(cut).not.toContain('\ufffd');
    expect(truncateUtf8('short', 80)).toBe('short');
  });
});
