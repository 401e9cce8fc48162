import { readFileSync } from "node:fs";
import { parseDefinitionText } from "./src/core/definition/parse-definition.js";
import { advance, compileDefinition, initialSnapshot } from "./src/core/interpreter/index.js";
import type { Definition } from "./src/core/definition/definition.js";
const def = parseDefinitionText(readFileSync("examples/loan.yaml", "utf8")) as Definition;
const compiled = compileDefinition(def);
const input = { amount: 500, applicant: { id: "a-1", income: 60000, age: 30, country: "DE" } };
for (let k = 0; k < 5; k++) {
  const N = 50000; const t = process.hrtime.bigint();
  for (let i = 0; i < N; i++) await advance(compiled, initialSnapshot(compiled, input), { type: "start" }, { now: new Date(), run: { id: `run_${i}`, versionId: "v", versionNumber: 1, kind: "production" } });
  console.log((Number(process.hrtime.bigint() - t) / N / 1000).toFixed(2), "us");
}
