/** Reading a paginated list to its end, for commands that print the whole list. */
import type { Page } from "../index.js";

/** Follows `nextCursor` from the first page to the last and returns every item in order. */
export async function collectPages<T>(
  fetchPage: (cursor: string | undefined) => Promise<Page<T>>,
): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await fetchPage(cursor);
    items.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return items;
}
