/**
 * Runs one command's action: reads the global options, opens the backend, runs the action,
 * always closes the backend, and turns a failure into the error output and an exit code.
 */
import { resolve } from "node:path";
import type { Command } from "commander";
import { StrataError, toStrataError } from "../core/errors.js";
import { openBackend } from "./backend.js";
import type { BackendOptions, OpenedBackend, StrataBackend } from "./backend.js";
import type { CliIo } from "./cli-io.js";
import { readGlobalOptions, wantsJson } from "./global-options.js";
import { Output } from "./output.js";

/** Exit codes: success, a Strata error (the request was refused), an unexpected failure or bad usage. */
export const EXIT = { ok: 0, refused: 1, internal: 2, usage: 2 } as const;

/** What an action gets: the backend, the output, and path resolution against the CLI's cwd. */
export interface CommandContext<B = StrataBackend> {
  backend: B;
  output: Output;
  /** Resolves a path given on the command line (for example `--file`) against the cwd. */
  resolvePath: (path: string) => string;
  /** The process surroundings (the worker reads `env` and waits on `stop`). */
  io: CliIo;
}

/** What an action that needs no backend gets (see {@link CommandRunner.runOffline}). */
export type OfflineContext = Omit<CommandContext<never>, "backend">;

/** A command's work, given its context. */
export type CommandAction<B = StrataBackend> = (context: CommandContext<B>) => Promise<void>;

/** Anything a command opens and must close afterwards: the backend, or the worker's engine. */
export interface Closable {
  close(): Promise<void>;
}

/** How the runner opens a backend (tests may substitute one). */
export type BackendOpener = (options: BackendOptions) => Promise<OpenedBackend>;

/** Runs command actions and remembers the exit code of the last one. */
export class CommandRunner {
  /** The exit code the CLI run ends with. */
  exitCode: number = EXIT.ok;

  constructor(
    private readonly io: CliIo,
    private readonly open: BackendOpener = openBackend,
  ) {}

  /** Runs `action` for `command` on the backend; failures are printed, never thrown. */
  async run(command: Command, action: CommandAction): Promise<void> {
    await this.runWith<OpenedBackend>(command, this.open, action);
  }

  /**
   * Runs `action` on what `open` returns for the global options and the process surroundings
   * (`strata worker` opens the full local engine this way), closing it afterwards; failures
   * are printed, never thrown.
   */
  async runWith<B extends Closable>(
    command: Command,
    open: (options: BackendOptions, io: CliIo) => Promise<B>,
    action: CommandAction<B>,
  ): Promise<void> {
    const output = new Output(this.io, wantsJson(command));
    const resolvePath = (path: string): string => resolve(this.io.cwd, path);
    try {
      const options = readGlobalOptions(command, this.io);
      await this.withBackend(options.backend, open, (backend) =>
        action({ backend, output, resolvePath, io: this.io }),
      );
    } catch (thrown) {
      this.exitCode = reportFailure(output, thrown);
    }
  }

  /**
   * Runs `action` without a backend, for work on local files only (`audit verify --bundle`):
   * it needs neither a database nor a server, so none is opened and the options that would
   * choose one are not read (a `$STRATA_SERVER` without a token does not get in the way).
   * Failures are printed, never thrown.
   */
  async runOffline(
    command: Command,
    action: (context: OfflineContext) => Promise<void>,
  ): Promise<void> {
    const output = new Output(this.io, wantsJson(command));
    const resolvePath = (path: string): string => resolve(this.io.cwd, path);
    try {
      await action({ output, resolvePath, io: this.io });
    } catch (thrown) {
      this.exitCode = reportFailure(output, thrown);
    }
  }

  /** Opens the backend, runs `work`, and closes it whatever happened. */
  private async withBackend<B extends Closable>(
    options: BackendOptions,
    open: (options: BackendOptions, io: CliIo) => Promise<B>,
    work: (backend: B) => Promise<void>,
  ): Promise<void> {
    const backend = await open(options, this.io);
    let failed = false;
    try {
      await work(backend);
    } catch (thrown) {
      failed = true;
      throw thrown;
    } finally {
      // A close failure after a failed action must not hide the action's own error.
      await backend.close().catch((thrown: unknown) => {
        if (!failed) throw thrown;
      });
    }
  }
}

/** Prints a failure and returns its exit code: 1 for a Strata error, 2 for anything unexpected. */
export function reportFailure(output: Output, thrown: unknown): number {
  const error = toStrataError(thrown);
  output.error(error);
  return thrown instanceof StrataError ? EXIT.refused : EXIT.internal;
}
