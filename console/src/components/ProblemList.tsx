import type { DefinitionProblemView } from "../../../src/core/model";

/**
 * A definition's validation problems (the server's: on a saved draft, or in a publish's
 * `definition_invalid` refusal), each with where it is and what is wrong.
 */
export function ProblemList({ problems }: { problems: readonly DefinitionProblemView[] }) {
  if (problems.length === 0) return null;
  return (
    <table className="problems" data-testid="problems">
      <thead>
        <tr>
          <th>Where</th>
          <th>Problem</th>
        </tr>
      </thead>
      <tbody>
        {problems.map((problem, index) => (
          <tr key={`${index}:${problem.path}`}>
            <td>
              <code>{problem.path === "" ? "(definition)" : problem.path}</code>
            </td>
            <td>
              <code>{problem.code}</code> {problem.message}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The problems a `definition_invalid` refusal carries as its details, if it carries any. */
export function problemsOf(details: unknown): DefinitionProblemView[] {
  if (!Array.isArray(details)) return [];
  return details.filter(
    (item): item is DefinitionProblemView =>
      item !== null &&
      typeof item === "object" &&
      typeof (item as { path?: unknown }).path === "string" &&
      typeof (item as { message?: unknown }).message === "string",
  );
}
