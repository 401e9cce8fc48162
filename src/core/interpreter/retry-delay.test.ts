import { describe, expect, it } from "vitest";
import { maxAttempts, retryDelayMs } from "./retry-delay.js";

describe("retryDelayMs", () => {
  it("doubles from one second by default, up to a minute", () => {
    const delays = [1, 2, 3, 4, 5, 6, 7, 8].map((attempt) => retryDelayMs(undefined, attempt));
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000]);
  });

  it("follows the policy's interval, coefficient and maximum", () => {
    const retry = {
      maxAttempts: 5,
      initialInterval: "PT0.5S",
      backoffCoefficient: 3,
      maximumInterval: "PT10S",
    };
    expect([1, 2, 3, 4].map((attempt) => retryDelayMs(retry, attempt))).toEqual([
      500, 1500, 4500, 10000,
    ]);
  });

  it("keeps a constant interval with a coefficient of 1", () => {
    const retry = { maxAttempts: 3, initialInterval: "PT5S", backoffCoefficient: 1 };
    expect([1, 2, 50].map((attempt) => retryDelayMs(retry, attempt))).toEqual([5000, 5000, 5000]);
  });

  it("does not let the default maximum shorten a long initial interval", () => {
    expect(retryDelayMs({ maxAttempts: 3, initialInterval: "PT5M" }, 2)).toBe(300_000);
  });

  it("caps huge attempts instead of overflowing", () => {
    expect(retryDelayMs({ maxAttempts: 100, backoffCoefficient: 10 }, 400)).toBe(60_000);
  });

  it("rounds to whole milliseconds", () => {
    expect(
      retryDelayMs({ maxAttempts: 3, initialInterval: "PT0.001S", backoffCoefficient: 1.5 }, 2),
    ).toBe(2);
  });
});

describe("maxAttempts", () => {
  it("is one without a retry block", () => {
    expect(maxAttempts(undefined)).toBe(1);
    expect(maxAttempts({ maxAttempts: 4 })).toBe(4);
  });
});
