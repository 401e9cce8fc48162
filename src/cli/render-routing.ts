/**
 * The human forms of routing (DESIGN.md §3): a rollout with its arms and guard verdict, the
 * rollouts table, the live route, a rollback, bindings, a published event, and the impact of
 * retiring or deleting a version. Blocks use the JSON field names, as in render.ts.
 */
import type {
  Binding,
  LiveRoute,
  PublishedEvent,
  RollbackResult,
  Rollout,
  RolloutStatusReport,
  VersionImpact,
} from "../index.js";
import { formatGuard } from "../core/routing/guard.js";
import { formatInterval } from "../core/routing/interval.js";
import { formatBlock, formatTable, indent, shortTime } from "./output.js";

/** The candidate's share: now, or for an ended rollout where it ended and where it went. */
export function sharePercent(rollout: Rollout): string {
  return rollout.endedAtPercent === null
    ? `${rollout.percent}%`
    : `${rollout.endedAtPercent}% → ${rollout.percent}%`;
}

/** A rollout as a block; with a status report, the arms' figures and the guard's verdict. */
export function renderRollout(rollout: Rollout | RolloutStatusReport): string {
  const lines = [
    formatBlock([
      ["id", rollout.id],
      ["status", rollout.status],
      ["versions", `v${rollout.stableVersion} (stable) → v${rollout.candidateVersion} (candidate)`],
      ["percent", `${rollout.percent}%`],
      ...(rollout.endedAtPercent === null
        ? []
        : ([["endedAtPercent", `${rollout.endedAtPercent}%`]] as const)),
      ["steps", describeSteps(rollout)],
      ["nextStepAt", rollout.nextStepAt],
      ["guard", rollout.guard === null ? null : formatGuard(rollout.guard)],
      ["startedAt", rollout.startedAt],
      ["startedBy", rollout.startedBy],
      ...(rollout.status === "active"
        ? []
        : ([
            ["endedAt", rollout.endedAt],
            ["endedBy", rollout.endedBy],
            ["endReason", rollout.endReason],
          ] as const)),
    ]),
  ];
  if ("arms" in rollout) {
    lines.push(renderArms(rollout));
    if (rollout.guardVerdict !== null) {
      lines.push(
        `guardVerdict: ${rollout.guardVerdict.verdict}: ${rollout.guardVerdict.explanation}`,
      );
    }
  }
  return lines.join("\n");
}

/** Each arm's production runs since the rollout started. */
function renderArms(report: RolloutStatusReport): string {
  return formatTable(
    ["ARM", "VERSION", "RUNS", "OPEN", "COMPLETED", "FAILED", "FAILURE RATE"],
    (["stable", "candidate"] as const).map((arm) => {
      const figures = report.arms[arm];
      return [
        arm,
        `v${figures.version}`,
        figures.runs,
        figures.open,
        figures.completed,
        figures.failed,
        `${figures.failureRate}%`,
      ];
    }),
  );
}

/** `25%, 50%, 100% every 1h`, or `-` when it does not ramp by itself. */
function describeSteps(rollout: Rollout): string | null {
  if (rollout.steps.length === 0) return null;
  const every = rollout.stepEveryMs === null ? "" : ` every ${formatInterval(rollout.stepEveryMs)}`;
  return `${rollout.steps.map((step) => `${step}%`).join(", ")}${every}`;
}

/** A workflow's rollouts, newest first. */
export function renderRolloutTable(rollouts: readonly Rollout[]): string {
  if (rollouts.length === 0) return "No rollouts yet: start one with `strata rollout start`.";
  return formatTable(
    ["ID", "STATUS", "STABLE", "CANDIDATE", "PERCENT", "STARTED", "BY", "ENDED", "REASON"],
    rollouts.map((rollout) => [
      rollout.id,
      rollout.status,
      `v${rollout.stableVersion}`,
      `v${rollout.candidateVersion}`,
      sharePercent(rollout),
      shortTime(rollout.startedAt),
      rollout.startedBy,
      shortTime(rollout.endedAt),
      rollout.endReason,
    ]),
  );
}

/** The live route: live version, LATEST, and the rollout in progress with its figures. */
export function renderRoute(route: LiveRoute): string {
  const head = formatBlock([
    ["workflowKey", route.workflowKey],
    ["workflowId", route.workflowId],
    ["status", route.status],
    ["liveVersion", versionLabel(route.liveVersion)],
    ["latestVersion", versionLabel(route.latestVersion)],
    [
      "rollout",
      route.rollout === null
        ? "none"
        : `v${route.rollout.stableVersion} → v${route.rollout.candidateVersion} at ${route.rollout.percent}%`,
    ],
  ]);
  if (route.rollout === null) return head;
  return [head, ...indent(renderRollout(route.rollout).split("\n"))].join("\n");
}

/** What a rollback did, in one or two sentences. */
export function renderRollback(workflow: string, result: RollbackResult): string {
  const lines: string[] = [];
  const to = result.rollout?.candidateVersion ?? result.liveVersion;
  const restored = result.restored ? ` (restored v${to} from retired)` : "";
  if (result.rollout === null) {
    lines.push(`rolled back ${workflow}: v${result.liveVersion} is live${restored}`);
  } else {
    lines.push(
      `rolling back ${workflow}: v${result.rollout.stableVersion} → v${to} at ${result.rollout.percent}%${restored}; rollout ${result.rollout.id}`,
    );
  }
  const ended = result.endedRollout;
  if (ended !== null) {
    lines.push(
      `ended the rollout of v${ended.candidateVersion} at ${ended.endedAtPercent ?? ended.percent}% (${ended.id})`,
    );
  }
  return lines.join("\n");
}

/** A binding as a block; a broken one says why and how to fix it. */
export function renderBinding(binding: Binding): string {
  return formatBlock([
    ["name", binding.name],
    ["id", binding.id],
    ["workflowId", `${binding.workflowId} (${binding.workflowKey})`],
    ["selector", String(binding.selector)],
    ["resolvedVersion", versionLabel(binding.resolvedVersion)],
    [
      "status",
      binding.problems.length === 0
        ? binding.status
        : `${binding.status}: ${binding.problems.map((p) => `error[${p.code}] ${p.message}`).join("; ")}`,
    ],
    ["event", binding.event],
    ["cron", binding.cron],
    ["timezone", binding.timezone],
    ["nextFireAt", binding.nextFireAt],
    ["input", JSON.stringify(binding.input)],
    ["createdAt", binding.createdAt],
    ["createdBy", binding.createdBy],
    ["updatedAt", binding.updatedAt],
    ["updatedBy", binding.updatedBy],
  ]);
}

/** Bindings as a table, or a hint when there are none. */
export function renderBindingTable(bindings: readonly Binding[]): string {
  if (bindings.length === 0)
    return "No bindings: create one with `strata binding create <name> --workflow <wf>`.";
  return formatTable(
    ["NAME", "WORKFLOW", "SELECTOR", "RESOLVES TO", "STATUS", "EVENT", "CRON"],
    bindings.map((binding) => [
      binding.name,
      binding.workflowKey,
      String(binding.selector),
      versionLabel(binding.resolvedVersion),
      binding.problems.length === 0
        ? binding.status
        : `${binding.status} (${binding.problems.map((p) => p.code).join(", ")})`,
      binding.event,
      binding.cron === null
        ? null
        : `${binding.cron}${binding.timezone === null ? "" : ` ${binding.timezone}`}`,
    ]),
  );
}

/** The runs an event started, and the bindings that refused it. */
export function renderPublishedEvent(event: PublishedEvent): string {
  const started = event.runs.length;
  const head = `event ${event.type}: ${started} run${started === 1 ? "" : "s"} started, ${event.refused.length} refused`;
  const lines = [head];
  if (started > 0) {
    lines.push(
      formatTable(
        ["BINDING", "RUN", "VERSION", "STATUS"],
        event.runs.map((run) => [
          run.binding,
          run.runId,
          versionLabel(run.versionNumber),
          run.status,
        ]),
      ),
    );
  }
  if (event.refused.length > 0) {
    lines.push(
      "refused:",
      ...indent(
        event.refused.map(
          (refusal) => `${refusal.binding}: error[${refusal.code}] ${refusal.message}`,
        ),
      ),
    );
  }
  if (started === 0 && event.refused.length === 0)
    lines.push("No binding is subscribed to this event type.");
  return lines.join("\n");
}

/**
 * What retiring or deleting a version would do (`--dry-run`): whether `action` is allowed and
 * why not, the bindings it affects, and the runs still in flight on the version.
 */
export function renderImpact(
  workflow: string,
  impact: VersionImpact,
  action: "retire" | "delete",
): string {
  const verdict = impact[action];
  const lines = [
    verdict.refusal === null
      ? `${action} v${impact.version} of ${workflow}: allowed`
      : `${action} v${impact.version} of ${workflow}: refused: error[${verdict.refusal.code}] ${verdict.refusal.message}`,
    formatBlock([
      ["state", impact.state],
      ["live", impact.live ? "yes" : "no"],
      ["openRuns", impact.openRuns],
    ]),
  ];
  if (impact.openRunIds.length > 0) {
    const more = impact.openRuns - impact.openRunIds.length;
    lines.push(
      "runs in flight (they finish on this version):",
      ...indent(impact.openRunIds),
      ...(more > 0 ? indent([`… and ${more} more`]) : []),
    );
  }
  lines.push(
    impact.bindings.length === 0
      ? "bindings: none affected"
      : `bindings affected:\n${indent(impact.bindings.map(describeBindingImpact)).join("\n")}`,
  );
  lines.push("(dry run: nothing was changed)");
  return lines.join("\n");
}

function describeBindingImpact(binding: VersionImpact["bindings"][number]): string {
  const effect =
    binding.effect === "moves"
      ? `moves to v${binding.movesTo ?? "?"}`
      : `breaks${binding.code === null ? "" : ` (runs through it get ${binding.code})`}`;
  return `${binding.name} (selector ${binding.selector}): ${effect}`;
}

function versionLabel(number: number | null): string | null {
  return number === null ? null : `v${number}`;
}
