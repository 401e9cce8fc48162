/**
 * The settings of `strata serve` and `strata worker` (issue 16): flag over variable over
 * default, bad values refused with the setting's name, and `docs/operations.md` listing every
 * one with its flag, variable and default, so the documentation cannot drift from the code.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { PROCESS_SETTINGS, resolveSettings } from "../src/cli/process-settings.js";

describe("process settings", () => {
  it("takes the flag over the variable over the default", () => {
    const defaults = resolveSettings({}, {});
    expect(defaults).toMatchObject({
      port: 8080,
      host: "127.0.0.1",
      poolSize: 10,
      leaseMs: 60_000,
      concurrency: 64,
      pollMs: 200,
      logLevel: "info",
    });
    expect(defaults.retention).toBeUndefined();
    expect(defaults.heartbeatMs).toBeUndefined();
    const fromEnv = resolveSettings(
      {},
      { PORT: "9090", STRATA_LEASE_MS: "5000", STRATA_RETENTION: "90d", STRATA_POOL_SIZE: " " },
    );
    expect(fromEnv).toMatchObject({ port: 9090, leaseMs: 5000, retention: 90 * 86_400_000 });
    expect(fromEnv.poolSize).toBe(10); // blank is unset
    const fromFlag = resolveSettings({ port: "7070", concurrency: "96" }, { PORT: "9090" });
    expect(fromFlag).toMatchObject({ port: 7070, concurrency: 96 });
  });

  it("refuses bad values, naming the flag or variable and what it takes", () => {
    expect(() => resolveSettings({ concurrency: "0" }, {})).toThrow(
      /--concurrency takes a whole number of 1 or more/,
    );
    expect(() => resolveSettings({}, { STRATA_POOL_SIZE: "ten" })).toThrow(/\$STRATA_POOL_SIZE/);
    expect(() => resolveSettings({}, { STRATA_LOG_LEVEL: "loud" })).toThrow(/takes fatal/);
    expect(() => resolveSettings({}, { STRATA_RETENTION: "90" })).toThrow(/retention period/);
    expect(() => resolveSettings({ leaseMs: "3000", heartbeatMs: "3000" }, {})).toThrow(
      /heartbeat .* must be shorter than the lease/,
    );
  });

  it("are every one documented in docs/operations.md with its flag, variable and default", () => {
    const doc = readFileSync(new URL("../docs/operations.md", import.meta.url), "utf8");
    for (const spec of Object.values(PROCESS_SETTINGS)) {
      const flag = spec.flag.split(" ")[0] ?? "";
      const row = doc.split("\n").find((line) => line.startsWith(`| \`${flag}\``));
      expect(row, `docs/operations.md has no row for ${flag}`).toBeDefined();
      expect(row).toContain(`\`${spec.env}\``);
      expect(row).toContain(spec.shown === "off" ? "off" : spec.shown.replace(/^(\d+)$/, "`$1`"));
    }
  });
});
