/** The rollout guard: parsing `failure-rate+2%/200`, and its verdicts on the figures. */
import { describe, expect, it } from "vitest";
import { evaluateGuard, formatGuard, parseGuard } from "./guard.js";

describe("parseGuard", () => {
  it("reads points, minimum runs and an optional interval", () => {
    expect(parseGuard("failure-rate+2%/200")).toEqual({
      maxFailureRateIncrease: 2,
      minRuns: 200,
      everyMs: 60_000,
    });
    expect(parseGuard(" failure-rate + 0.5% / 50 ", "30s")).toEqual({
      maxFailureRateIncrease: 0.5,
      minRuns: 50,
      everyMs: 30_000,
    });
    expect(formatGuard(parseGuard("failure-rate+2%/200", "1h"))).toBe(
      "failure-rate+2%/200 every 1h",
    );
  });

  it("refuses anything else with a message that shows the syntax", () => {
    for (const bad of ["error-rate+2%/200", "failure-rate+2/200", "failure-rate+2%/0", ""]) {
      expect(() => parseGuard(bad)).toThrow(/failure-rate\+|at least 1/);
    }
    expect(() => parseGuard("failure-rate+2%/10", "1ms")).toThrow(/between 1s/);
  });
});

describe("evaluateGuard", () => {
  const guard = { maxFailureRateIncrease: 2, minRuns: 100, everyMs: 60_000 };

  it("waits until each side has the minimum number of finished runs", () => {
    const verdict = evaluateGuard(
      guard,
      { finished: 500, failed: 0 },
      { finished: 99, failed: 99 },
    );
    expect(verdict.verdict).toBe("waiting");
  });

  it("trips only when the candidate fails more than the threshold above the stable", () => {
    const within = evaluateGuard(
      guard,
      { finished: 1000, failed: 10 },
      { finished: 100, failed: 3 },
    );
    expect(within).toMatchObject({ verdict: "ok", increase: 2 });
    const over = evaluateGuard(guard, { finished: 1000, failed: 10 }, { finished: 100, failed: 4 });
    expect(over).toMatchObject({
      verdict: "tripped",
      increase: 3,
      stable: { failureRate: 1 },
      candidate: { failureRate: 4 },
    });
    expect(over.explanation).toMatch(/candidate 4\/100 failed \(4%\), stable 10\/1000 \(1%\)/);
  });
});
