/** How every page names a version, so a version reads the same wherever it shows. */

/** `v2`; `draft` for the draft (which has no number yet: a null number is the draft). */
export const versionName = (version: number | "draft" | null): string =>
  version === null || version === "draft" ? "draft" : `v${version}`;

/** A version a workflow may lack (its live version, LATEST): `v2`, or `—` when there is none. */
export const versionOrNone = (version: number | null): string =>
  version === null ? "—" : `v${version}`;
