/**
 * Terminal colour: on only when the stream is a terminal and `NO_COLOR` is unset or empty
 * (https://no-color.org), so logs, pipes and CI get plain text.
 */

/** Whether to colour what goes to `out`. */
export function colourEnabled(out: NodeJS.WritableStream, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return Boolean((out as { isTTY?: boolean }).isTTY);
}

export interface Paint {
  ok(text: string): string;
  failed(text: string): string;
  warning(text: string): string;
}

const sgr = (code: number) => (text: string) => `\x1b[${code}m${text}\x1b[39m`;
const plain = (text: string) => text;

/** Green, red and yellow when `enabled`; the text unchanged otherwise. */
export function paint(enabled: boolean): Paint {
  return enabled ? { ok: sgr(32), failed: sgr(31), warning: sgr(33) } : { ok: plain, failed: plain, warning: plain };
}
