import { describe, expect, it } from "vitest";
import { validateDefinition } from "./validate-definition.js";

const flow = (wait: string, task: string) => ({
  start: "call",
  nodes: {
    call: {
      type: "task",
      handler: "http",
      timeout: task,
      retry: { maxAttempts: 2, initialInterval: "PT1S" },
      next: "hold",
    },
    hold: { type: "wait", signal: "go", timeout: wait, onTimeout: "done", next: "done" },
    done: { type: "end" },
  },
});

describe("duration bounds", () => {
  it("accepts long waits up to ten years and task timeouts up to 2^31-1 ms", () => {
    expect(validateDefinition(flow("P3650D", "P24D"))).toEqual([]);
  });

  it("refuses waits beyond ten years and task timeouts Node's timers cannot hold", () => {
    const problems = validateDefinition(flow("P1000000W", "P30D"));
    expect(problems.map((p) => [p.path, p.code])).toEqual([
      ["nodes.call.timeout", "duration_out_of_range"],
      ["nodes.hold.timeout", "duration_out_of_range"],
    ]);
  });
});
