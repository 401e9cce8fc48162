/**
 * One of several OS processes that edit and publish the same workflows at once (the
 * PostgreSQL concurrency test). Prints one JSON line per successful save or publish.
 */
import { Strata } from "../../src/index.js";

const [location, worker, iterationsText, keysText] = process.argv.slice(2);
if (location === undefined || worker === undefined || keysText === undefined) {
  throw new Error("usage: concurrency-child <db> <worker> <iterations> <keys>");
}
const keys = keysText.split(",");
const strata = await Strata.open({ database: location, actor: `worker-${worker}` });

/** A definition no other save uses: its threshold encodes the worker and the iteration. */
function definition(threshold: number): unknown {
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

const tolerated = new Set(["draft_exists", "revision_mismatch", "not_found", "no_changes"]);
async function attempt<T>(work: () => Promise<T>): Promise<T | undefined> {
  try {
    return await work();
  } catch (error) {
    const code = (error as { code?: string }).code ?? "";
    if (!tolerated.has(code)) throw error;
    console.log(JSON.stringify({ op: "refused", code }));
    return undefined;
  }
}

for (let i = 0; i < Number(iterationsText); i++) {
  const key = keys[(i + Number(worker)) % keys.length] ?? "";
  await attempt(() => strata.drafts.open(key));
  const draft = await attempt(() => strata.drafts.show(key));
  if (draft === undefined) continue;
  const saved = await attempt(() =>
    strata.drafts.save(key, {
      definition: definition(Number(worker) * 100_000 + i),
      revision: draft.revision,
    }),
  );
  if (saved === undefined) continue;
  console.log(
    JSON.stringify({
      op: "save",
      key,
      draftId: saved.id,
      revision: saved.revision,
      hash: saved.hash,
    }),
  );
  if (i % 3 !== 0) continue; // publish every third iteration, so several saves race per draft
  const version = await attempt(() => strata.drafts.publish(key, { revision: saved.revision }));
  if (version !== undefined) {
    console.log(
      JSON.stringify({
        op: "publish",
        key,
        draftId: version.id,
        number: version.number,
        hash: version.hash,
      }),
    );
  }
}
await strata.close();
