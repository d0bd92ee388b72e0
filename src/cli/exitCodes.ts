/** The CLI's exit codes (listed in `lakestep --help`). */
export const EXIT = { ok: 0, badInput: 1, runFailed: 2 } as const;
