/**
 * `strata audit list|verify|export`: the append-only, hash-chained audit log (DESIGN.md L14,
 * §6), and the bundle an auditor verifies offline (`audit verify --bundle F`).
 */
import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { verifyAuditBundle } from "../../core/audit-bundle.js";
import type { AuditBundle, BundleVerdict } from "../../core/audit-bundle.js";
import { isStrataError, StrataError } from "../../core/errors.js";
import { parseAuditBundle } from "../../core/parse-audit-bundle.js";
import { collectPages } from "../collect-pages.js";
import type { CommandContext, CommandRunner, OfflineContext } from "../command-runner.js";
import { positiveInteger } from "../positive-integer.js";
import {
  renderAuditTable,
  renderBundleVerdict,
  renderExportSummary,
  renderVerdict,
} from "../render.js";
import type { ExportSummary } from "../render.js";
import { workflowKeys } from "../workflow-keys.js";
import { assertWritable, writeFileAtomically } from "../write-file-atomically.js";

/** The flags of `audit list`. */
interface ListFlags {
  workflow?: string;
  limit?: number;
}

/** The flags of `audit verify`. */
interface VerifyFlags {
  bundle?: string;
}

/** The flags of `audit export`. */
interface ExportFlags {
  out: string;
  force?: boolean;
}

/** Adds the `audit` command and its subcommands to the program. */
export function registerAuditCommands(program: Command, runner: CommandRunner): void {
  const audit = program.command("audit").description("read, verify and export the audit log");
  audit
    .command("list")
    .description("list audit events, oldest first")
    .option("--workflow <wf>", "only the events of one workflow (id or key)")
    .option("--limit <n>", "at most this many events (default: all)", positiveInteger)
    .action((flags: ListFlags, command: Command) =>
      runner.run(command, (context) => listEvents(context, flags)),
    );
  audit
    .command("verify")
    .description("recompute the hash chain; fails naming the first edited or missing event")
    .option(
      "--bundle <file>",
      "verify a bundle written by `audit export` instead, offline: no database or server is used",
    )
    .action((flags: VerifyFlags, command: Command) => {
      const bundle = flags.bundle;
      return bundle === undefined
        ? runner.run(command, verifyChain)
        : runner.runOffline(command, (context) => verifyBundleFile(context, bundle));
    });
  audit
    .command("export")
    .description(
      "write the audit log, its head and the definitions it names to a JSON file an auditor can verify offline",
    )
    .requiredOption("--out <file>", "the bundle file to write")
    .option("--force", "replace the file if it exists")
    .action((flags: ExportFlags, command: Command) =>
      runner.run(command, (context) => exportBundle(context, flags)),
    );
}

async function listEvents({ backend, output }: CommandContext, flags: ListFlags): Promise<void> {
  const filter = flags.workflow === undefined ? {} : { workflow: flags.workflow };
  const events =
    flags.limit === undefined
      ? await collectPages((cursor) =>
          backend.audit.list({ ...filter, ...(cursor === undefined ? {} : { cursor }) }),
        )
      : (await backend.audit.list({ ...filter, limit: flags.limit })).items;
  const keys = output.json
    ? new Map<string, string>()
    : await workflowKeys(
        backend,
        events.map((event) => event.workflowId),
      );
  output.result(events, () => renderAuditTable(events, keys));
}

/** A broken chain is a failure (exit 1) whose message names the first bad event. */
async function verifyChain({ backend, output }: CommandContext): Promise<void> {
  const verdict = await backend.audit.verify();
  if (!verdict.ok) {
    const event =
      verdict.eventId === null ? `#${verdict.seq}` : `#${verdict.seq} (${verdict.eventId})`;
    throw new StrataError(
      "audit_broken",
      `the audit chain is broken at event ${event}: ${verdict.reason}`,
      { details: verdict },
    );
  }
  output.result(verdict, () => renderVerdict(verdict));
}

/**
 * Writes the bundle to `--out` atomically. An existing file is refused before anything is
 * read, so a mistyped path costs nothing; `--force` replaces it.
 */
async function exportBundle(
  { backend, output, resolvePath }: CommandContext,
  flags: ExportFlags,
): Promise<void> {
  const path = resolvePath(flags.out);
  const overwrite = flags.force === true;
  assertWritable(path, overwrite);
  const bundle = await backend.audit.export();
  await writeFileAtomically(path, `${JSON.stringify(bundle, null, 2)}\n`, { overwrite });
  const summary = summarize(path, bundle);
  output.result(summary, () => renderExportSummary(summary));
}

function summarize(path: string, bundle: AuditBundle): ExportSummary {
  return {
    path,
    format: bundle.format,
    tenantId: bundle.tenantId,
    exportedAt: bundle.exportedAt,
    events: bundle.events.length,
    headSeq: bundle.head?.seq ?? 0,
    headHash: bundle.head?.hash ?? null,
    definitions: Object.keys(bundle.definitions).length,
    missing: bundle.missing.length,
  };
}

/**
 * Verifies a bundle file with no backend. A file that cannot be read or is not a bundle is
 * `not_found` or `validation_failed`; a bundle whose content does not check out is
 * `audit_broken`, naming the first problem.
 */
async function verifyBundleFile(
  { output, resolvePath }: OfflineContext,
  file: string,
): Promise<void> {
  const path = resolvePath(file);
  let bundle: AuditBundle;
  try {
    bundle = parseAuditBundle(await readJsonFile(path));
  } catch (thrown) {
    if (!isStrataError(thrown)) throw thrown;
    throw new StrataError(thrown.code, `${path}: ${thrown.message}`, {
      details: thrown.details,
      cause: thrown,
    });
  }
  const verdict = verifyAuditBundle(bundle);
  if (!verdict.ok) {
    const message = `the audit bundle ${path} is broken${where(verdict)}: ${verdict.reason}`;
    throw new StrataError("audit_broken", message, { details: verdict });
  }
  output.result(verdict, () => renderBundleVerdict(verdict));
}

/** " at event #n (id)" when the problem is an event's; a definition's reason names its own. */
function where(verdict: Extract<BundleVerdict, { ok: false }>): string {
  if (verdict.definition !== null || verdict.seq === null) return "";
  return verdict.eventId === null
    ? ` at event #${verdict.seq}`
    : ` at event #${verdict.seq} (${verdict.eventId})`;
}

async function readJsonFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (thrown) {
    const code = (thrown as { code?: unknown }).code;
    if (code === "ENOENT") {
      throw new StrataError("not_found", "the bundle file does not exist", { cause: thrown });
    }
    if (code === "EISDIR") {
      throw new StrataError("validation_failed", "this is a directory; name the bundle file", {
        cause: thrown,
      });
    }
    throw thrown;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (thrown) {
    const reason = thrown instanceof Error ? thrown.message : String(thrown);
    throw new StrataError(
      "validation_failed",
      `not JSON (${reason}); pass the file \`strata audit export --out F\` wrote`,
      { cause: thrown },
    );
  }
}
