/** Binds a service's methods to one caller, for the library facade. */
import type { CallContext } from "./deps.js";

/** A service method with its leading context argument removed. */
type WithoutContext<F> = F extends (ctx: CallContext, ...args: infer A) => infer R
  ? (...args: A) => R
  : never;

/** The chosen methods of a service, each bound to a context. */
export type BoundMethods<S, K extends keyof S> = { [P in K]: WithoutContext<S[P]> };

/** Returns the named methods of `service` with `ctx` bound as their first argument. */
export function bindContext<S extends object, K extends keyof S & string>(
  service: S,
  ctx: CallContext,
  names: readonly K[],
): BoundMethods<S, K> {
  const bound: Partial<Record<K, unknown>> = {};
  for (const name of names) {
    const method = service[name] as unknown as (...args: unknown[]) => unknown;
    bound[name] = (...args: unknown[]) => method.call(service, ctx, ...args);
  }
  return bound as BoundMethods<S, K>;
}
