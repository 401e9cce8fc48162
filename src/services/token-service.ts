/**
 * API tokens (DESIGN.md §8): created with a role in a tenant, shown once, stored as a hash,
 * compared in constant time, revocable. A token reads `tok_<id>.<secret>`: the id finds the
 * row (and so the tenant), the secret proves possession.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { StrataError } from "../core/errors.js";
import { hasIdPrefix, newId } from "../core/ids.js";
import type { Role } from "../core/roles.js";
import { ROLES, isRole } from "../core/roles.js";
import { appendAuditEvent } from "../store/audit-rows.js";
import { ReadCoalescer } from "./coalesce-reads.js";
import { precompiled } from "../store/precompiled-query.js";
import type { StrataSchema, TokensTable } from "../store/schema.js";
import type { Selectable } from "kysely";
import { lockFirstStart } from "../store/queries/lock-first-start.js";
import type { StoreTransaction } from "../store/store.js";
import { runChange } from "./deps.js";
import type { CallContext, ServiceDeps } from "./deps.js";

/** A token as listed: never its secret. */
export interface TokenInfo {
  id: string;
  role: Role;
  tenant: string;
  name: string | null;
  createdAt: string;
  createdBy: string;
  revokedAt: string | null;
  /** The server's token: it may also create tokens in other tenants (ADR 0016). */
  server: boolean;
}

/** What a new token is. */
export interface CreateTokenInput {
  role: string;
  name?: string;
  /** Its tenant, when not the caller's (ADR 0016). */
  tenant?: string;
  /** A server token (role admin): it may create tokens in other tenants. */
  server?: boolean;
}

/** A token just created: the only time its text is shown. */
export interface CreatedToken extends TokenInfo {
  token: string;
}

/** Who a valid token speaks for. */
export interface TokenIdentity {
  tokenId: string;
  tenantId: string;
  role: Role;
  /** Who the token speaks for, when it was given a name. */
  name: string | null;
  /** Whether it is a server token (ADR 0016). */
  server: boolean;
}

/** The id and secret a first-admin token will have, fixed before the first try. */
export interface FirstAdminAttempt {
  id: string;
  secret: string;
}

/** A fresh {@link FirstAdminAttempt}. */
export function firstAdminAttempt(): FirstAdminAttempt {
  return { id: newId("tok"), secret: randomBytes(32).toString("base64url") };
}

/** Token operations. */
export class TokenService {
  /** Requests of the same moment presenting the same token share one lookup. */
  readonly #checks = new ReadCoalescer<TokenIdentity | null>();

  constructor(private readonly deps: ServiceDeps) {}

  /**
   * Creates a token with `role` in the caller's tenant, or in `tenant` (which brings a new
   * tenant into being). Who may name another tenant, or ask for a server token, is the API's
   * to decide (ADR 0016): locally, whoever holds the database may.
   */
  async create(ctx: CallContext, input: CreateTokenInput): Promise<CreatedToken> {
    if (!isRole(input.role)) {
      throw new StrataError(
        "validation_failed",
        `unknown role ${JSON.stringify(input.role)}; use one of ${ROLES.join(", ")}`,
      );
    }
    const role = input.role;
    const name = input.name === undefined ? null : checkName(input.name);
    const tenantId = input.tenant === undefined ? ctx.tenantId : checkTenant(input.tenant);
    const server = input.server === true;
    if (server && role !== "admin") {
      throw new StrataError(
        "validation_failed",
        "a server token is an admin of its tenant: create it with --role admin",
      );
    }
    const secret = randomBytes(32).toString("base64url");
    const row = await runChange(this.deps, (trx, now) =>
      this.#insert(trx, { ...ctx, tenantId }, { role, name, secret, now, server }),
    );
    return { ...toInfo(row), token: `${row.id}.${secret}` };
  }

  /**
   * On a database without any token, creates an admin token in the caller's tenant (what the
   * first `strata serve` prints); otherwise null. Decided under a lock, so of several
   * processes starting at once on an empty database exactly one creates it.
   *
   * Safe to call again after a failure whose COMMIT may have landed (a failover during the
   * first start): `attempt` carries the id and secret of the first call, and a token with that
   * id is returned as created rather than lost unprinted. Get one from {@link firstAdminAttempt}.
   */
  async createFirstAdmin(
    ctx: CallContext,
    name: string,
    attempt: FirstAdminAttempt = firstAdminAttempt(),
  ): Promise<CreatedToken | null> {
    const { id, secret } = attempt;
    const row = await runChange(this.deps, async (trx, now) => {
      await lockFirstStart(trx, this.deps.store.dialect);
      const ours = await trx
        .selectFrom("tokens")
        .selectAll()
        .where("tenant_id", "=", ctx.tenantId)
        .where("id", "=", id)
        .executeTakeFirst();
      if (ours !== undefined) return ours; // an earlier try of this very call committed
      const any = await trx.selectFrom("tokens").select("id").limit(1).executeTakeFirst();
      if (any !== undefined) return null;
      return this.#insert(trx, ctx, { id, role: "admin", name, secret, now, server: true });
    });
    return row === null ? null : { ...toInfo(row), token: `${row.id}.${secret}` };
  }

  async #insert(
    trx: StoreTransaction,
    ctx: CallContext,
    token: {
      id?: string;
      role: Role;
      name: string | null;
      secret: string;
      now: string;
      server: boolean;
    },
  ): Promise<Selectable<TokensTable>> {
    const { role, name, now } = token;
    const id = token.id ?? newId("tok");
    const values = {
      tenant_id: ctx.tenantId,
      id,
      role,
      name,
      secret_hash: hashSecret(token.secret),
      created_at: now,
      created_by: ctx.actor,
      revoked_at: null,
      server: token.server ? 1 : 0,
    };
    await trx.insertInto("tokens").values(values).execute();
    await appendAuditEvent(trx, this.deps.store.dialect, {
      tenantId: ctx.tenantId,
      actor: ctx.actor,
      actorTokenId: ctx.actorTokenId ?? null,
      action: "token.created",
      workflowId: null,
      subjectId: id,
      at: now,
      after: { id, role, name, ...(token.server ? { server: true } : {}) },
    });
    return values;
  }

  /** The tenant's tokens, oldest first, without secrets. */
  async list(ctx: CallContext): Promise<TokenInfo[]> {
    const rows = await this.deps.store.db
      .selectFrom("tokens")
      .selectAll()
      .where("tenant_id", "=", ctx.tenantId)
      .orderBy("id")
      .execute();
    return rows.map(toInfo);
  }

  /** Revokes a token; it stops working at once. */
  async revoke(ctx: CallContext, id: string): Promise<TokenInfo> {
    return runChange(this.deps, async (trx, now) => {
      const row = await trx
        .selectFrom("tokens")
        .selectAll()
        .where("tenant_id", "=", ctx.tenantId)
        .where("id", "=", id)
        .executeTakeFirst();
      if (row === undefined)
        throw new StrataError("not_found", `no token ${id}; list them with \`strata token list\``);
      if (row.revoked_at !== null) return toInfo(row);
      // Only the revoke that flips it writes the event (two at once on PostgreSQL: one wins).
      const flipped = await trx
        .updateTable("tokens")
        .set({ revoked_at: now })
        .where("tenant_id", "=", ctx.tenantId)
        .where("id", "=", id)
        .where("revoked_at", "is", null)
        .executeTakeFirst();
      if (flipped.numUpdatedRows === 0n) return toInfo({ ...row, revoked_at: now });
      await appendAuditEvent(trx, this.deps.store.dialect, {
        tenantId: ctx.tenantId,
        actor: ctx.actor,
        actorTokenId: ctx.actorTokenId ?? null,
        action: "token.revoked",
        workflowId: null,
        subjectId: id,
        at: now,
        before: { id, role: row.role },
        after: { revoked: true },
      });
      return toInfo({ ...row, revoked_at: now });
    });
  }

  /** The identity a token text proves, or `unauthorized` (never saying which part was wrong). */
  async authenticate(token: string): Promise<TokenIdentity> {
    const dot = token.lastIndexOf(".");
    const id = token.slice(0, dot);
    const secret = token.slice(dot + 1);
    if (dot < 0 || !hasIdPrefix(id, "tok") || secret === "") throw unauthorized();
    // Checked for every request, never cached, so a revoke takes effect at once in every
    // process; requests that present the same token in the same moment share one check (the
    // lookup made after they all arrived, and the hash of the secret).
    const identity = await this.#checks.get(token, () => this.#check(id, secret));
    if (identity === null) throw unauthorized();
    return identity;
  }

  async #check(id: string, secret: string): Promise<TokenIdentity | null> {
    const db = this.deps.store.db;
    const { rows } = await db.executeQuery(tokenById(db, { id }));
    const row = rows[0];
    // Compare hashes in constant time even for unknown ids, so timing tells nothing.
    const expected = Buffer.from(row?.secret_hash ?? hashSecret(""), "hex");
    const presented = Buffer.from(hashSecret(secret), "hex");
    if (!timingSafeEqual(expected, presented) || row === undefined || row.revoked_at !== null)
      return null;
    return {
      tokenId: row.id,
      tenantId: row.tenant_id,
      role: row.role,
      // A name stored before names were checked that would not pass now (empty, `token:…`)
      // is not used as an actor: the token speaks as `token:<id>`.
      name: row.name !== null && isValidName(row.name) ? row.name : null,
      server: Number(row.server) === 1,
    };
  }
}

/**
 * A token's name as it will be recorded on every change made with it: trimmed, printable, and
 * not one of the forms the system's own actors take (`token:<id>` for a token without a name,
 * `strata:…` for automation), so a name never passes for either.
 */
export function checkName(given: string): string {
  // One spelling per name: composed (NFC), so two ways to write "é" are one person.
  const name = given.normalize("NFC").trim();
  const problem =
    name === ""
      ? "is empty"
      : name.length > 200
        ? "is longer than 200 characters"
        : /[\p{Cc}\p{Cf}]/u.test(name)
          ? "holds a control or invisible formatting character"
          : /^(token|strata):/i.test(name)
            ? "starts with token: or strata:, which name tokens without a name and Strata's own automation"
            : null;
  if (problem === null) return name;
  throw new StrataError(
    "validation_failed",
    `the token's name ${problem}; give the name of the person or service it is for, such as alice or billing-service`,
  );
}

function isValidName(name: string): boolean {
  try {
    return checkName(name) === name;
  } catch {
    return false;
  }
}

/** Built only when thrown: capturing a stack costs more than the rest of a good request. */
function unauthorized(): StrataError {
  return new StrataError(
    "unauthorized",
    "the token is missing, malformed, unknown or revoked; send a valid one as `Authorization: Bearer <token>`",
  );
}

/** The token lookup of every request, compiled once. */
const tokenById = precompiled<StrataSchema, { id: string }, Selectable<TokensTable>>(
  ["id"],
  (db, params) => db.selectFrom("tokens").selectAll().where("id", "=", params.id),
);

function hashSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

function toInfo(row: Selectable<TokensTable>): TokenInfo {
  return {
    id: row.id,
    role: row.role,
    tenant: row.tenant_id,
    name: row.name,
    createdAt: row.created_at,
    createdBy: row.created_by,
    revokedAt: row.revoked_at,
    server: Number(row.server) === 1,
  };
}

/** A tenant id as a token may name it: letters, digits, `.`, `_` and `-`, up to 100. */
export function checkTenant(given: string): string {
  if (/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(given)) return given;
  throw new StrataError(
    "validation_failed",
    `a tenant id is 1 to 100 letters, digits, '.', '_' or '-', starting with a letter or digit; not ${JSON.stringify(given)}`,
  );
}
