/** The process surroundings a CLI run uses, injectable so tests can drive the CLI in-process. */

/** Something text can be written to (`process.stdout`, or a buffer in tests). */
export interface TextSink {
  write(text: string): unknown;
}

/** Where a CLI run writes, which environment it reads, and the directory paths resolve against. */
export interface CliIo {
  stdout: TextSink;
  stderr: TextSink;
  env: Record<string, string | undefined>;
  /** Relative `--db` and `--file` paths resolve against this directory. */
  cwd: string;
  /**
   * Aborting it stops a long-running command (`strata worker`) as SIGINT or SIGTERM would.
   * Without it, such a command listens for those signals itself, while it runs.
   */
  stop?: AbortSignal;
}

/** The real process's streams, environment and working directory. */
export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
}
