import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { EventBridgeRunEvents } from '../../../src/aws/eventBridgeRunEvents';

const eventbridge = mockClient(EventBridgeClient);
const events = () => new EventBridgeRunEvents(new EventBridgeClient({ region: 'us-east-1' }), 'prod');
const detail = {
  execution: 'run-20240305T101112Z-1a2b',
  status: 'SUCCEEDED' as const,
  tables: { access_records: ['2024-03-04', '2024-03-05'] },
  exports: { e: 'exports/e/run-20240305T101112Z-1a2b.json' },
};

beforeEach(() => eventbridge.reset());

describe('EventBridgeRunEvents.runCompleted', () => {
  it('puts one Run Completed event from lakestep on the default bus, the stage in its detail', async () => {
    eventbridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e1' }] });

    await events().runCompleted(detail);

    expect(eventbridge.commandCalls(PutEventsCommand).map((c) => c.args[0].input)).toEqual([
      {
        Entries: [
          {
            EventBusName: 'default',
            Source: 'lakestep',
            DetailType: 'Run Completed',
            Detail: JSON.stringify({ stage: 'prod', ...detail }),
          },
        ],
      },
    ]);
  });

  it('fails naming the error code when EventBridge refuses the entry (PutEvents answers 200 with a failed entry)', async () => {
    eventbridge
      .on(PutEventsCommand)
      .resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }] });

    await expect(events().runCompleted(detail)).rejects.toThrow(
      'EventBridge refused the completion event of run-20240305T101112Z-1a2b: InternalFailure try again',
    );
  });
});
