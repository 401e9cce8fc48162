/**
 * Writing a result file (`audit export --out F`) so that F is either absent, or its old
 * content, or the whole new content, never a part: the text is written and flushed to a
 * temporary file beside F, which then takes F's name in one step (rename, atomic within a
 * directory on POSIX). Without `--force`, the temporary file is hard-linked to F instead,
 * which fails if F appeared meanwhile, so an existing file is never replaced by surprise.
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { link, open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { StrataError } from "../core/errors.js";

/** Refuses a target that exists unless it may be replaced; cheap, so commands call it first. */
export function assertWritable(path: string, overwrite: boolean): void {
  if (!overwrite && existsSync(path)) throw alreadyExists(path);
}

/** Writes `text` to `path` atomically; replaces an existing file only with `overwrite`. */
export async function writeFileAtomically(
  path: string,
  text: string,
  options: { overwrite: boolean },
): Promise<void> {
  const temp = join(
    dirname(path),
    `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`,
  );
  try {
    const handle = await open(temp, "wx");
    try {
      await handle.writeFile(text, "utf8");
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (options.overwrite) await rename(temp, path);
    else await linkNoReplace(temp, path);
  } catch (thrown) {
    throw fileError(path, thrown);
  } finally {
    await rm(temp, { force: true });
  }
}

/**
 * Gives `temp` the name `path` unless `path` exists. A file system without hard links
 * (some network and FAT mounts) falls back to rename, after the check {@link assertWritable}
 * made just before.
 */
async function linkNoReplace(temp: string, path: string): Promise<void> {
  try {
    await link(temp, path);
  } catch (thrown) {
    const code = errorCode(thrown);
    if (code !== "EPERM" && code !== "ENOTSUP" && code !== "ENOSYS") throw thrown;
    assertWritable(path, false);
    await rename(temp, path);
  }
}

function fileError(path: string, thrown: unknown): unknown {
  if (thrown instanceof StrataError) return thrown;
  switch (errorCode(thrown)) {
    case "EEXIST":
      return alreadyExists(path);
    case "ENOENT":
    case "ENOTDIR":
      return new StrataError(
        "not_found",
        `cannot write ${path}: its directory does not exist; create it or choose another path`,
        { cause: thrown },
      );
    case "EACCES":
    case "EPERM":
    case "EROFS":
      return new StrataError(
        "validation_failed",
        `cannot write ${path}: permission denied; choose a path you can write to`,
        { cause: thrown },
      );
    default:
      return thrown;
  }
}

function alreadyExists(path: string): StrataError {
  return new StrataError(
    "validation_failed",
    `${path} already exists; pass --force to replace it, or choose another path`,
  );
}

function errorCode(thrown: unknown): unknown {
  return (thrown as { code?: unknown } | null)?.code;
}
