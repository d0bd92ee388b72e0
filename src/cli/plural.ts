/** `1 day`, `2 days`, `1,234 days`: a count and its noun, for the CLI's lines. */
export const plural = (n: number, noun: string, nouns = `${noun}s`) =>
  `${n.toLocaleString('en-US')} ${n === 1 ? noun : nouns}`;
