/** Where a command writes, reports and asks: the terminal in `lakestep`, buffers and a SilentReporter in tests. */
import type { Reporter } from './reporter';
import type { Confirm } from './unlockCommand';

export interface Io {
  stdout: NodeJS.WritableStream;
  reporter: Reporter;
  setExitCode(code: number): void;
  /** yes/no questions (`unlock`); the terminal by default */
  confirm?: Confirm;
}
