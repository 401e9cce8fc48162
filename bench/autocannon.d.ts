/** The part of autocannon (which ships no types) that bench/http.ts uses. */
declare module "autocannon" {
  export interface Request {
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    body?: string;
  }

  export interface Options {
    url: string;
    connections?: number;
    /** Seconds. */
    duration?: number;
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    /** Each connection loops over these. */
    requests?: Request[];
    /** Resolve with a {@link RawResult}, for {@link autocannon.aggregateResult}. */
    skipAggregateResult?: boolean;
  }

  /** Percentiles of a histogram (latencies are in whole milliseconds). */
  export interface Histogram {
    average: number;
    p50: number;
    p99: number;
    max: number;
  }

  export interface Result {
    /** Seconds. */
    duration: number;
    errors: number;
    timeouts: number;
    non2xx: number;
    "2xx": number;
    latency: Histogram;
    requests: Histogram & { total: number; sent: number };
  }

  /** A run's counts and encoded histograms, before aggregation. */
  export interface RawResult {
    /** Seconds. */
    duration: number;
    errors: number;
    timeouts: number;
    non2xx: number;
    "2xx": number;
  }

  /** Without a callback the instance is also a promise of the result. */
  function autocannon(options: Options & { skipAggregateResult: true }): Promise<RawResult>;
  function autocannon(options: Options): Promise<Result>;
  namespace autocannon {
    /** Merges raw results (their latency histograms too). */
    function aggregateResult(
      results: RawResult[],
      options: { url: string; connections?: number },
    ): Result;
  }
  export default autocannon;
}
