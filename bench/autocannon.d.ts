// The part of autocannon's API the load generator uses (the package ships no types).
declare module 'autocannon' {
  interface Result {
    requests: { total: number };
    non2xx: number;
    /** Connection errors and timeouts. */
    errors: number;
    timeouts: number;
    statusCodeStats: Record<string, { count: number }>;
  }
  interface Instance extends PromiseLike<Result> {
    on(event: 'response', listener: (client: unknown, status: number, bytes: number, responseTime: number) => void): void;
  }
  export default function autocannon(options: Record<string, unknown>): Instance;
}
