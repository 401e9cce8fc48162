/**
 * Model-based test of the version lifecycle (DESIGN.md §2): fast-check generates random
 * sequences of commands, runs each against a small reference model and against the real
 * engine, and after every step compares states, numbers, the live flag, the draft and the
 * error codes. Runs on both stores.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashDefinition } from "../src/core/definition/index.js";
import { STARTER_DEFINITION } from "../src/core/definition-limits.js";
import { Strata } from "../src/index.js";
import type { Store } from "../src/store/store.js";
import { insertFinishedRun } from "./support/insert-run.js";
import { DIALECTS, openTestStore, uniqueTenant } from "./support/test-stores.js";

const KEY = "w";
/** Definitions by name: four valid ones, the starter, and one that fails validation. */
const DEFINITIONS: Record<string, unknown> = {
  starter: STARTER_DEFINITION,
  invalid: { start: "nowhere", nodes: {} },
  ...Object.fromEntries([1, 2, 3, 4].map((n) => [`d${n}`, decision(n)])),
};
const SAVABLE = ["d1", "d2", "d3", "d4", "invalid"] as const;

function decision(threshold: number): unknown {
  return {
    start: "route",
    nodes: {
      route: {
        type: "switch",
        cases: [{ when: `amount > ${threshold}`, next: "no" }],
        default: "yes",
      },
      yes: { type: "end", output: { ok: "true" } },
      no: { type: "end", output: { ok: "false" } },
    },
  };
}

interface ModelVersion {
  def: string;
  retired: boolean;
  runs: number;
}

/** The reference model: a few lines of plain rules per command. */
interface Model {
  status: "active" | "deactivated";
  lastNumber: number;
  versions: Map<number, ModelVersion>;
  live: number | null;
  draft: { revision: number; def: string; base: number | null } | null;
}

interface Real {
  strata: Strata;
  store: Store;
}

/** What a command does to the model: the error code it must fail with, or null. */
type Step = (m: Model) => string | null;

class LifecycleCommand implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly label: string,
    readonly model: Step,
    readonly real: (r: Real) => Promise<unknown>,
  ) {}
  check(): boolean {
    return true;
  }
  async run(m: Model, r: Real): Promise<void> {
    const expected = this.model(m);
    const actual = await this.real(r).then(
      () => null,
      (error: unknown) => (error as { code?: string }).code ?? String(error),
    );
    expect(actual, this.label).toBe(expected);
    await compare(m, r);
  }
  toString(): string {
    return this.label;
  }
}

function latest(m: Model): number | null {
  const numbers = [...m.versions].filter(([, v]) => !v.retired).map(([n]) => n);
  return numbers.length === 0 ? null : Math.max(...numbers);
}

const openStep =
  (from: number | undefined): Step =>
  (m) => {
    if (m.draft !== null) return "draft_exists";
    let base: number | null;
    if (from !== undefined) {
      if (!m.versions.has(from)) return "not_found";
      base = from;
    } else {
      base = m.live ?? latest(m);
      if (base === null && m.versions.size > 0) return "all_versions_retired";
    }
    m.draft = {
      revision: 1,
      def: base === null ? "starter" : (m.versions.get(base)?.def ?? "?"),
      base,
    };
    return null;
  };

const saveStep =
  (def: string, stale: boolean): Step =>
  (m) => {
    if (m.draft === null) return "not_found";
    if (stale) return "revision_mismatch";
    m.draft = { ...m.draft, revision: m.draft.revision + 1, def };
    return null;
  };

const revertStep: Step = (m) => {
  if (m.draft === null) return "not_found";
  if (m.live === null) return "no_live_version";
  m.draft = {
    revision: m.draft.revision + 1,
    def: m.versions.get(m.live)?.def ?? "?",
    base: m.live,
  };
  return null;
};

const discardStep: Step = (m) => {
  if (m.draft === null) return "not_found";
  m.draft = null;
  return null;
};

const publishStep =
  (activate: boolean, retirePrevious: boolean): Step =>
  (m) => {
    if (retirePrevious && !activate) return "validation_failed";
    if (m.draft === null) return "not_found";
    if (m.draft.def === "invalid") return "definition_invalid";
    const previous = m.live ?? (m.versions.size === 0 ? null : Math.max(...m.versions.keys()));
    if (previous !== null && m.versions.get(previous)?.def === m.draft.def) return "no_changes";
    const number = ++m.lastNumber;
    m.versions.set(number, { def: m.draft.def, retired: false, runs: 0 });
    if (activate) {
      const replaced = m.live;
      m.live = number;
      const old = replaced === null ? undefined : m.versions.get(replaced);
      if (retirePrevious && old !== undefined) old.retired = true;
    }
    m.draft = null;
    return null;
  };

const retireStep =
  (n: number): Step =>
  (m) => {
    const v = m.versions.get(n);
    if (v === undefined) return "not_found";
    if (v.retired) return "version_retired";
    if (m.live === n && m.status === "active") return "version_live";
    v.retired = true;
    if (m.live === n) m.live = null;
    return null;
  };

const restoreStep =
  (n: number): Step =>
  (m) => {
    const v = m.versions.get(n);
    if (v === undefined) return "not_found";
    if (!v.retired) return "version_not_retired";
    v.retired = false;
    return null;
  };

const deleteStep =
  (n: number): Step =>
  (m) => {
    const v = m.versions.get(n);
    if (v === undefined) return "not_found";
    if (!v.retired) return "version_not_retired";
    if (v.runs > 0) return "version_has_runs";
    m.versions.delete(n);
    return null;
  };

const addRunStep =
  (n: number): Step =>
  (m) => {
    const v = m.versions.get(n);
    if (v === undefined) return "not_found";
    v.runs += 1;
    return null;
  };

const statusStep =
  (status: "active" | "deactivated"): Step =>
  (m) => {
    if (m.status === status) return null;
    if (status === "active" && m.live === null) return "no_live_version";
    m.status = status;
    return null;
  };

/** Inserts a finished test run on version `n`, as the engine will (runs keep versions). */
async function addRun(r: Real, n: number): Promise<void> {
  const version = await r.strata.versions.show(KEY, n);
  await insertFinishedRun(r.store, r.strata.context.tenantId, version);
}

const number = fc.integer({ min: 1, max: 6 });
const commands = [
  fc
    .option(number, { nil: undefined })
    .map(
      (from) =>
        new LifecycleCommand(`open(${from})`, openStep(from), (r) =>
          r.strata.drafts.open(KEY, from === undefined ? {} : { from }),
        ),
    ),
  fc.tuple(fc.constantFrom(...SAVABLE), fc.boolean()).map(
    ([def, stale]) =>
      new LifecycleCommand(
        `save(${def}${stale ? ", stale" : ""})`,
        saveStep(def, stale),
        async (r) => {
          const draft = await r.strata.drafts.show(KEY);
          return r.strata.drafts.save(KEY, {
            definition: DEFINITIONS[def],
            revision: stale ? draft.revision - 1 : draft.revision,
          });
        },
      ),
  ),
  fc.constant(new LifecycleCommand("revert", revertStep, (r) => r.strata.drafts.revert(KEY))),
  fc.constant(new LifecycleCommand("discard", discardStep, (r) => r.strata.drafts.discard(KEY))),
  fc
    .tuple(fc.boolean(), fc.boolean())
    .map(
      ([activate, retirePrevious]) =>
        new LifecycleCommand(
          `publish(activate=${activate}, retirePrevious=${retirePrevious})`,
          publishStep(activate, retirePrevious),
          (r) => r.strata.drafts.publish(KEY, { activate, retirePrevious }),
        ),
    ),
  number.map(
    (n) =>
      new LifecycleCommand(`retire(${n})`, retireStep(n), (r) => r.strata.versions.retire(KEY, n)),
  ),
  number.map(
    (n) =>
      new LifecycleCommand(`restore(${n})`, restoreStep(n), (r) =>
        r.strata.versions.restore(KEY, n),
      ),
  ),
  number.map(
    (n) =>
      new LifecycleCommand(`delete(${n})`, deleteStep(n), (r) => r.strata.versions.delete(KEY, n)),
  ),
  number.map((n) => new LifecycleCommand(`addRun(${n})`, addRunStep(n), (r) => addRun(r, n))),
  fc
    .constantFrom("active" as const, "deactivated" as const)
    .map(
      (s) =>
        new LifecycleCommand(s === "active" ? "activate" : "deactivate", statusStep(s), (r) =>
          s === "active" ? r.strata.workflows.activate(KEY) : r.strata.workflows.deactivate(KEY),
        ),
    ),
];

/** Compares everything observable with the model. */
async function compare(m: Model, r: Real): Promise<void> {
  const workflow = await r.strata.workflows.show(KEY);
  expect(workflow.status).toBe(m.status);
  expect(workflow.liveVersion).toBe(m.live);
  expect(workflow.latestVersion).toBe(latest(m));
  expect(workflow.draftRevision).toBe(m.draft?.revision ?? null);
  const versions = await r.strata.versions.list(KEY);
  const published = versions
    .filter((v) => v.number !== null)
    .map((v) => [v.number, v.state, v.live, v.hash]);
  const expected = [...m.versions]
    .sort(([a], [b]) => b - a)
    .map(([n, v]) => [
      n,
      v.retired ? "retired" : "published",
      m.live === n,
      hashDefinition(DEFINITIONS[v.def]),
    ]);
  expect(published).toEqual(expected);
  const draft = versions.find((v) => v.number === null);
  if (m.draft === null) {
    expect(draft).toBeUndefined();
  } else {
    expect(draft).toMatchObject({
      revision: m.draft.revision,
      baseVersion: m.draft.base,
      nextNumber: m.lastNumber + 1,
      hash: hashDefinition(DEFINITIONS[m.draft.def]),
    });
  }
}

describe.each(DIALECTS)("lifecycle model on %s", (dialect) => {
  let store: Store;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ store, close } = await openTestStore(dialect));
  });
  afterAll(() => close());

  it("matches the reference model for random command sequences", async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 40, size: "max" }), async (cmds) => {
        const strata = Strata.fromStore(store, { tenant: uniqueTenant(), actor: "model" });
        await strata.workflows.create({ key: KEY, definition: DEFINITIONS.d1 });
        const model: Model = {
          status: "active",
          lastNumber: 0,
          versions: new Map(),
          live: null,
          draft: { revision: 1, def: "d1", base: null },
        };
        await fc.asyncModelRun(() => ({ model, real: { strata, store } }), cmds);
        expect((await strata.audit.verify()).ok).toBe(true);
      }),
      { numRuns: dialect === "sqlite" ? 200 : 100 },
    );
  });
});
