/**
 * The change-safety commands of the CLI, in-process on a temporary SQLite file: `diff`,
 * `replay` (with `--mock` and `--adapter`), `adapter add|list`, `workflow policy`, `publish
 * --force`, `backtest` (runs here, every core) with `show`/`list`, and `migrate --dry-run`:
 * human output and `--json`.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { localCli } from "./support/local-cli.js";

let dir: string;

/** v1: `amount > limit` is rejected, else approved; `wait` holds for a signal first. */
function flow(limit: number, schema: Record<string, unknown> = {}): unknown {
  return {
    inputSchema: {
      type: "object",
      required: ["amount"],
      properties: { amount: { type: "number" }, wait: { type: "boolean" } },
      ...schema,
    },
    start: "gate",
    nodes: {
      gate: { type: "switch", cases: [{ when: "wait = true", next: "hold" }], default: "route" },
      hold: { type: "wait", signal: "go", next: "route" },
      route: { type: "switch", cases: [{ when: `amount > ${limit}`, next: "no" }], default: "yes" },
      yes: { type: "end", output: { decision: "'yes'" } },
      no: { type: "end", output: { decision: "'no'" } },
    },
  };
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "strata-cli-changes-"));
  writeFileSync(join(dir, "v1.json"), JSON.stringify(flow(100)));
  writeFileSync(join(dir, "v2.json"), JSON.stringify(flow(50)));
  writeFileSync(
    join(dir, "strict.json"),
    JSON.stringify(
      flow(50, {
        required: ["amount", "currency"],
        properties: { amount: { type: "number" }, currency: { type: "string" } },
      }),
    ),
  );
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const { strata, ok, json } = localCli(() => ({ cwd: dir, db: join(dir, "s.db") }));

describe("the change-safety commands", () => {
  it("diffs, replays, backtests, gates the schema and migrates", async () => {
    await ok("workflow", "create", "deal", "--file", "v1.json");
    await ok("publish", "deal");
    const run = await json<{ id: string }>("run", "start", "deal", "--input", '{"amount": 75}');
    const waiting = await json<{ id: string }>(
      "run",
      "start",
      "deal",
      "--input",
      '{"amount": 10, "wait": true}',
    );
    await ok("draft", "open", "deal");
    await ok("draft", "save", "deal", "--file", "v2.json");

    const diff = await ok("diff", "deal", "1", "draft");
    expect(diff).toContain("deal: v1 → draft");
    expect(diff).toMatch(
      /~ node route \(switch\)\n\s+cases\[0\]\.when: amount > 100 → amount > 50/,
    );
    expect(await json("diff", "deal", "live", "1")).toMatchObject({ identical: true });
    expect(await ok("diff", "deal", "live", "1")).toBe("deal: v1 → v1\nno changes\n");

    const replay = await ok("replay", run.id, "--version", "draft");
    expect(replay).toMatch(/^run run_\w+: v1 → draft \(draft\)$/m);
    expect(replay).toMatch(/^verdict: +CHANGED$/m);
    // Both paths side by side, one row per step, the differing rows marked.
    expect(replay).toMatch(
      /^STEP +V1 +DRAFT\n1 +gate +gate +=\n2 +route +route +=\n3 +yes +no +≠$/m,
    );
    expect(replay).toMatch(/diverges at step 3: yes → no/);
    expect(replay).toMatch(/switch route: yes \(case default\) → no \(case 0\)/);
    expect(replay).toMatch(/output decision: "yes" → "no"/);
    expect(await json("replay", run.id, "--version", "1")).toMatchObject({
      comparison: { changed: false },
    });
    const same = await ok("replay", run.id, "--version", "1");
    expect(same).toMatch(/^verdict: +same decision$/m);
    expect(same).not.toMatch(/diverges|switch/);
    // The waiting run never got past `hold`: replay stops there unless a mock answers.
    expect(await json("replay", waiting.id, "--version", "draft")).toMatchObject({
      replay: { status: "unresolved", unresolved: { node: "hold" } },
    });
    expect(
      await json("replay", waiting.id, "--version", "draft", "--mock", "hold={}"),
    ).toMatchObject({ replay: { status: "completed", output: { decision: "yes" } } });

    // A required field: refused in the default backward mode, shown as BREAKING, forced.
    const draft = await json<{ revision: number }>("draft", "show", "deal");
    await ok(
      "draft",
      "save",
      "deal",
      "--file",
      "strict.json",
      "--revision",
      String(draft.revision),
    );
    expect(await ok("diff", "deal", "1", "draft")).toMatch(
      /input schema \(mode backward\):\n\s+BREAKING +required field \/currency added/,
    );
    expect(await json("diff", "deal", "1", "draft")).toMatchObject({
      compatibility: { mode: "backward", breaking: [{ path: "/currency" }] },
    });
    const refused = await strata("publish", "deal");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /^error\[schema_incompatible\]: .*required field \/currency added/,
    );
    expect(await ok("workflow", "policy", "deal", "--compatibility", "none")).toMatch(/deal/);
    expect((await json<{ policy: unknown }>("workflow", "show", "deal")).policy).toEqual({
      compatibility: "none",
      review: { required: false, approvals: 1 },
    });
    expect(await ok("workflow", "policy", "deal", "--compatibility", "full")).toMatch(
      /^compatibility: +full$/m,
    );
    expect(await json("workflow", "policy", "deal", "--compatibility", "backward")).toMatchObject({
      key: "deal",
      policy: { compatibility: "backward" },
    });
    await ok("publish", "deal", "--force");

    const drift = await strata("replay", run.id, "--version", "2");
    expect(drift.stderr).toMatch(/^error\[input_schema_drift\]: /);
    expect(
      await json(
        "replay",
        run.id,
        "--version",
        "2",
        "--adapter",
        '$merge([$, {"currency": "EUR"}])',
      ),
    ).toMatchObject({ adapter: "given", comparison: { changed: true } });
    expect(await ok("adapter", "list", "deal")).toMatch(/^No input adapters/);
    await ok(
      "adapter",
      "add",
      "deal",
      "--from",
      "1",
      "--to",
      "2",
      "--expression",
      '$merge([$, {"currency": "EUR"}])',
    );
    expect(await ok("adapter", "list", "deal")).toMatch(/^v1 +v2 +\$merge.* ann$/m);
    expect(await json("adapter", "list", "deal")).toEqual([
      expect.objectContaining({ from: 1, to: 2, expression: '$merge([$, {"currency": "EUR"}])' }),
    ]);
    expect(await json("replay", run.id, "--version", "2")).toMatchObject({ adapter: "registered" });

    const backtest = await ok(
      "backtest",
      "deal",
      "--target",
      "2",
      "--adapter",
      '$merge([$, {"currency": "EUR"}])',
    );
    expect(backtest).toMatch(/^status: +completed$/m);
    expect(backtest).toMatch(/replayed 1: changed 1 \(100\.0%\)/);
    expect(backtest).toMatch(/route: yes → no +× 1/);
    const listed = await json<Array<{ id: string; status: string }>>("backtest", "list");
    expect(listed.map((b) => b.status)).toEqual(["completed"]);
    expect(await json("backtest", "show", listed[0]?.id ?? "")).toMatchObject({
      report: { total: 1, changed: 1 },
    });

    const migrate = await ok(
      "migrate",
      "deal",
      "--from",
      "1",
      "--to",
      "2",
      "--map",
      "hold=hold",
      "--dry-run",
    );
    expect(migrate).toMatch(/deal: v1 → v2: would move 0, left 1 \(dry run: nothing changed\)/);
    expect(migrate).toMatch(/its input does not fit version 2's input schema/);
  }, 60_000);
});
