/** TypeBox schemas shared by the routes. */
import { Type } from "typebox";
import type { TSchema } from "typebox";

/** The largest number the stores keep in an INTEGER column (PostgreSQL's int4). */
export const MAX_INT = 2_147_483_647;

/** A version number, a revision, a count: a positive integer a column can hold. */
export const PositiveInt = (options: { description?: string } = {}) =>
  Type.Integer({ minimum: 1, maximum: MAX_INT, ...options });

/** `{wf}`: a workflow's id or key. */
export const WorkflowParams = Type.Object({ wf: Type.String({ minLength: 1, maxLength: 100 }) });

/** `{wf}/versions/{n}`. */
export const VersionParams = Type.Object({
  wf: Type.String({ minLength: 1, maxLength: 100 }),
  n: PositiveInt(),
});

/** A definition as a JSON object (DESIGN.md §4); checked in full at publish. */
export const Definition = Type.Object(
  {},
  {
    additionalProperties: true,
    description: "a workflow definition (schema/definition.schema.json)",
  },
);

/** Cursor pagination. */
export const PageQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    cursor: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);

/** Closed objects: unknown fields are refused, not ignored. */
export function closed<T extends Record<string, TSchema>>(properties: T) {
  return Type.Object(properties, { additionalProperties: false });
}

/** A share of traffic in percent (at most two decimals; the service checks the decimals). */
export const Percent = Type.Number({ minimum: 0, maximum: 100 });

/** An interval as people type it: `30s`, `15m`, `1h`, `PT1H`. */
const Interval = (description: string) => Type.String({ minLength: 1, maxLength: 50, description });

/** A rollout's guard: abort when the candidate fails more often than the stable. */
export const RolloutGuardBody = closed({
  maxFailureRateIncrease: Type.Number({
    minimum: 0,
    maximum: 100,
    description: "percentage points the candidate's failure rate may exceed the stable's",
  }),
  minRuns: PositiveInt({ description: "finished runs each arm needs before the guard judges" }),
  every: Type.Optional(Interval("how often the guard looks (default 1m)")),
});

/** The fields of a rollout plan, shared by rollout start and publish's `rollout`. */
export const RolloutPlanFields = {
  percent: Percent,
  steps: Type.Optional(
    Type.Array(Percent, {
      maxItems: 100,
      description: "percentages to ramp to, ascending; reaching 100 promotes",
    }),
  ),
  every: Type.Optional(Interval("the interval between steps; required with steps")),
  guard: Type.Optional(RolloutGuardBody),
};
