/** What a command against a deployed stage (`--stage`) works with; stageProgram's awsDeps builds it from the Io. */
import type { AwsClients } from '../aws/clients';
import type { Reporter } from './reporter';

export interface AwsDeps {
  clients: AwsClients;
  reporter: Reporter;
  stdout: NodeJS.WritableStream;
  env?: NodeJS.ProcessEnv;
  /** ms between polls; tests shorten it */
  pollMs?: number;
}
