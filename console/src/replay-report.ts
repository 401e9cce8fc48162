/**
 * The answer of `POST /v1/workflows/{wf}/replay`, as the run page reads it: core's own type,
 * and the decision of one switch visit within it.
 */
import type { ReplayReport } from "../../src/core/replay/replay-types.js";

export type { ReplayReport };

/** What a switch decided on one visit: the case taken (-1 for `default`) and where it led. */
export type SwitchDecision = NonNullable<
  ReplayReport["comparison"]["switches"][number]["original"]
>;
