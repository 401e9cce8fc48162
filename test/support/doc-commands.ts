/**
 * The commands of a document's `sh` blocks, for the tests that run documents as written
 * (test/cli-walkthrough.test.ts, test/readme.test.ts).
 */

/** One `sh` block line: the command as written (without its comment), and its words. */
export interface ShellLine {
  line: string;
  words: string[];
}

/** A fenced block: its language and its body. */
export interface FencedBlock {
  language: string;
  body: string;
}

/** The fenced blocks of a Markdown document, in order. */
export function fencedBlocks(markdown: string): FencedBlock[] {
  return [...markdown.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map(
    ([, language = "", body = ""]) => ({ language, body }),
  );
}

/** The command lines of an `sh` block: blank lines and comments left out. */
export function shellLines(body: string): ShellLine[] {
  const lines: ShellLine[] = [];
  for (const text of body.split("\n")) {
    const words = splitWords(text);
    const comment = words.findIndex((word) => word.startsWith("#"));
    const command = comment < 0 ? words : words.slice(0, comment);
    if (command.length === 0) continue;
    lines.push({ line: withoutComment(text), words: command });
  }
  return lines;
}

/** The line up to an unquoted ` #` (a shell comment). */
function withoutComment(text: string): string {
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quote !== null) {
      if (char === quote) quote = null;
    } else if (char === '"' || char === "'") quote = char;
    else if (char === "#" && (i === 0 || text[i - 1] === " ")) return text.slice(0, i).trim();
  }
  return text.trim();
}

/** Splits a command line into words the way a POSIX shell does for plain and quoted words. */
export function splitWords(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map(
    (match) => match[1] ?? match[2] ?? match[3] ?? "",
  );
}
