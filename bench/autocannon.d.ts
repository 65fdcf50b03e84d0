// The part of autocannon's API the load generator uses (the package ships no types).
declare module 'autocannon' {
  interface Result {
    requests: { total: number };
    non2xx: number;
    errors: number;
    timeouts: number;
  }
  interface Instance extends PromiseLike<Result> {
    on(event: 'response', listener: (client: unknown, status: number, bytes: number, responseTime: number) => void): void;
  }
  export default function autocannon(options: Record<string, unknown>): Instance;
}
