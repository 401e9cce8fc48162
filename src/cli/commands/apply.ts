/**
 * `strata apply -f <dir|file> [--publish]` (DESIGN.md §7): makes workflows match definition
 * files, as a repository of definitions is deployed. A file names its workflow by its name
 * without the extension (`loan.yaml` applies to `loan`). Applying the same files twice changes
 * nothing the second time: a file whose definition the workflow already has is left alone.
 *
 * - Without `--publish`, the draft gets the file's definition (the workflow is created if it
 *   does not exist, a draft opened if it has none); the live version keeps serving.
 * - With `--publish`, the live version gets it: the draft is saved and published as the next
 *   version, unless the live version already has this definition.
 *
 * Every file is read, named and (with `--publish`) validated before anything is written, so a
 * bad file changes nothing. The files are then applied in order, each change in its own
 * transaction; the first refused change stops the command, and its error says which files
 * were applied before it.
 */
import { readdir, stat } from "node:fs/promises";
import { basename, extname, join, relative } from "node:path";
import type { Command } from "commander";
import {
  assertValidDefinition,
  hashDefinition,
  loadDefinitionFile,
} from "../../core/definition/index.js";
import { StrataError, isStrataError, toStrataError } from "../../core/errors.js";
import type { Draft, Version } from "../../core/model.js";
import { assertWorkflowKey } from "../../core/workflow-key.js";
import type { StrataBackend } from "../backend.js";
import type { CommandContext, CommandRunner } from "../command-runner.js";

/** The flags of `apply`. */
interface ApplyFlags {
  file: string;
  publish?: boolean;
  description?: string;
  dryRun?: boolean;
}

/** The extensions a definition file may have. */
const EXTENSIONS = new Set([".yaml", ".yml", ".json"]);

/** A step `apply` took (or, with `--dry-run`, would take) for one file. */
export type ApplyStep = "created" | "draft_opened" | "draft_saved" | "published";

/** What `apply` did with one file; no steps means the workflow already matched it. */
export interface ApplyResult {
  /** The file, as given (relative to the folder for a folder). */
  file: string;
  workflow: string;
  steps: ApplyStep[];
  /** The draft's revision afterwards; null when the workflow has no draft. */
  draftRevision: number | null;
  /** The version published, else the live one; null when there is none. */
  version: number | null;
}

/** One file, read and named, before anything is applied. */
interface DefinitionFile {
  file: string;
  key: string;
  definition: unknown;
  hash: string;
}

/** Adds the `apply` command to the program. */
export function registerApplyCommand(program: Command, runner: CommandRunner): void {
  program
    .command("apply")
    .description(
      "make workflows match definition files: create them, save their drafts, and with --publish publish",
    )
    .requiredOption(
      "-f, --file <path>",
      "a definition file, or a folder of them (.yaml, .yml, .json); the file name is the workflow key",
    )
    .option("--publish", "publish each changed definition, so the live version is the file's")
    .option("--description <text>", "the description of the versions --publish publishes")
    .option("--dry-run", "say what would change, change nothing")
    .action((flags: ApplyFlags, command: Command) =>
      runner.run(command, (context) => apply(context, flags)),
    );
}

async function apply(context: CommandContext, flags: ApplyFlags): Promise<void> {
  const { backend, output } = context;
  if (flags.description !== undefined && flags.publish !== true) {
    throw new StrataError(
      "validation_failed",
      "--description describes the versions that --publish publishes: give --publish too",
    );
  }
  const files = await readDefinitionFiles(context.resolvePath(flags.file), flags.file);
  if (flags.publish === true) for (const file of files) assertPublishable(file);
  const results: ApplyResult[] = [];
  for (const file of files) {
    try {
      results.push(await applyFile(backend, file, flags));
    } catch (thrown) {
      throw stoppedAt(file, toStrataError(thrown), results);
    }
  }
  output.result(results, () => renderResults(results, flags.dryRun === true));
}

/** The definition files `path` names: itself, or the definition files directly in it. */
async function readDefinitionFiles(path: string, given: string): Promise<DefinitionFile[]> {
  const info = await stat(path).catch((thrown: unknown) => {
    if ((thrown as { code?: unknown }).code === "ENOENT")
      throw new StrataError(
        "not_found",
        `'${given}' does not exist; give a definition file or a folder of them`,
      );
    throw thrown;
  });
  let paths: string[];
  if (info.isDirectory()) {
    const entries = await readdir(path, { withFileTypes: true });
    paths = entries
      .filter((entry) => entry.isFile() && EXTENSIONS.has(extname(entry.name).toLowerCase()))
      .map((entry) => join(path, entry.name))
      .sort();
    if (paths.length === 0) {
      throw new StrataError(
        "validation_failed",
        `no definition files in '${given}': put .yaml, .yml or .json files in it, one a workflow`,
      );
    }
  } else paths = [path];
  const files: DefinitionFile[] = [];
  const byKey = new Map<string, string>();
  for (const full of paths) {
    const file = info.isDirectory() ? relative(path, full) : given;
    const key = basename(full, extname(full));
    try {
      assertWorkflowKey(key);
    } catch (thrown) {
      throw new StrataError(
        "validation_failed",
        `${file}: the file name is the workflow key, and ${JSON.stringify(key)} cannot be one; rename the file (1–64 lowercase letters, digits, '-', '_' or '.')`,
        { cause: thrown },
      );
    }
    const other = byKey.get(key);
    if (other !== undefined) {
      throw new StrataError(
        "validation_failed",
        `${other} and ${file} both name workflow ${key}; keep one of them`,
      );
    }
    byKey.set(key, file);
    const definition = await loadDefinitionFile(full).catch((thrown: unknown) => {
      throw prefixed(file, toStrataError(thrown));
    });
    files.push({ file, key, definition, hash: hashDefinition(definition) });
  }
  return files;
}

/** A definition that could not be published is refused before anything is written. */
function assertPublishable(file: DefinitionFile): void {
  try {
    assertValidDefinition(file.definition);
  } catch (thrown) {
    throw prefixed(file.file, toStrataError(thrown));
  }
}

/**
 * Brings one workflow to the file's definition: its draft, or with `--publish` its live version.
 * With `--dry-run`, works out the same steps without taking them.
 */
async function applyFile(
  backend: StrataBackend,
  file: DefinitionFile,
  flags: ApplyFlags,
): Promise<ApplyResult> {
  const dryRun = flags.dryRun === true;
  const publish = flags.publish === true;
  const result: ApplyResult = {
    file: file.file,
    workflow: file.key,
    steps: [],
    draftRevision: null,
    version: null,
  };
  const versions = await backend.versions.list(file.key).catch((thrown: unknown) => {
    if (isStrataError(thrown, "not_found")) return null;
    throw thrown;
  });
  let draft: Draft | undefined;
  if (versions === null) {
    result.steps.push("created");
    if (!dryRun) {
      await backend.workflows.create({ key: file.key, definition: file.definition });
      draft = await backend.drafts.show(file.key);
    }
  } else {
    draft = versions.find((version): version is Draft => version.number === null);
    // What the next version would be compared with: the live version, else the newest.
    const current = replacedVersion(versions);
    result.version = current?.number ?? null;
    result.draftRevision = draft?.revision ?? null;
    const inDraft = draft?.hash === file.hash;
    const isCurrent = current?.hash === file.hash;
    if (isCurrent && (publish || draft === undefined || inDraft)) return result;
    if (!inDraft) {
      if (draft === undefined) {
        result.steps.push("draft_opened");
        if (!dryRun) draft = await backend.drafts.open(file.key);
      }
      result.steps.push("draft_saved");
      if (!dryRun && draft !== undefined) {
        draft = await backend.drafts.save(file.key, {
          definition: file.definition,
          revision: draft.revision,
        });
      }
    }
    if (!publish) {
      result.draftRevision = draft?.revision ?? null;
      return result;
    }
  }
  if (publish) {
    result.steps.push("published");
    if (!dryRun && draft !== undefined) {
      const version = await backend.drafts.publish(file.key, {
        revision: draft.revision,
        ...(flags.description === undefined ? {} : { description: flags.description }),
      });
      result.version = version.number;
      draft = undefined;
    }
  }
  result.draftRevision = draft?.revision ?? null;
  return result;
}

/** The version a new one replaces: the live version, else the newest numbered one. */
function replacedVersion(versions: readonly (Version | Draft)[]): Version | undefined {
  const live = versions.find((version) => version.live);
  if (live !== undefined) return live;
  let newest: Version | undefined;
  for (const version of versions) {
    if (version.number !== null && (newest?.number ?? 0) < version.number) newest = version;
  }
  return newest;
}

/** The same error with the file it is about in front of its message. */
function prefixed(file: string, error: StrataError): StrataError {
  return new StrataError(error.code, `${file}: ${error.message}`, {
    ...(error.details === undefined ? {} : { details: error.details }),
    cause: error,
  });
}

/** The error that stopped `apply`, saying what was applied before it and that nothing after was. */
function stoppedAt(file: DefinitionFile, error: StrataError, done: ApplyResult[]): StrataError {
  const changed = done.filter((result) => result.steps.length > 0).map((result) => result.file);
  const before =
    changed.length === 0
      ? "nothing was changed before it"
      : `applied before it: ${changed.join(", ")}`;
  return new StrataError(
    error.code,
    `${file.file}: ${error.message} (${before}; the files after it were not applied)`,
    {
      details: {
        file: file.file,
        applied: done,
        ...(error.details === undefined ? {} : { cause: error.details }),
      },
      cause: error,
    },
  );
}

/** How each step reads, done and (with `--dry-run`) to be done. */
const STEP_TEXT: Record<ApplyStep, { done: string; planned: string }> = {
  created: { done: "created", planned: "create" },
  draft_opened: { done: "draft opened", planned: "open a draft" },
  draft_saved: { done: "draft saved", planned: "save the draft" },
  published: { done: "published", planned: "publish" },
};

function renderResults(results: readonly ApplyResult[], dryRun: boolean): string {
  const lines = results.map((result) => {
    const steps = result.steps.map((step) =>
      dryRun
        ? STEP_TEXT[step].planned
        : step === "published" && result.version !== null
          ? `published v${result.version}`
          : STEP_TEXT[step].done,
    );
    const what = steps.length === 0 ? "unchanged" : `${dryRun ? "would " : ""}${steps.join(", ")}`;
    return `${result.file} → ${result.workflow}: ${what}`;
  });
  const changed = results.filter((result) => result.steps.length > 0).length;
  lines.push(
    dryRun
      ? `dry run: ${changed} of ${results.length} workflow(s) would change; nothing was written`
      : `${changed} of ${results.length} workflow(s) changed`,
  );
  return lines.join("\n");
}
