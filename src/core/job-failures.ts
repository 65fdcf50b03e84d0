/** Where the background jobs tell of their failures and recoveries: the server's log. */
export interface JobLog {
  error(message: string, error: unknown): void;
  info(message: string): void;
}

// While a job keeps failing, a line at most this often: a job retried every second would otherwise log a line a second.
const summaryEveryMs = 60_000;

const failuresOf = (count: number) => `${count} ${count === 1 ? 'failure' : 'failures'}`;

/**
 * The failures of the background jobs, told to `log` without a line per retry: a job's first failure, with its
 * error; while it keeps failing, at most a line a minute saying how many failures there were since the last line,
 * with the last one's error; and when a step next succeeds, one line saying it recovered after how many. `clock` is
 * milliseconds on a clock that only moves forward. Each job keeps three numbers.
 */
export function jobFailureLog(log: JobLog, clock: () => number = () => performance.now()) {
  /** The hooks of one job, `job` naming it in a line ('relinking'), to give its loop. */
  return (job: string) => {
    // Since the job last succeeded, and since the last line about it.
    let failures = 0;
    let unsaid = 0;
    let saidAt = 0;
    return {
      onError(error: unknown) {
        failures += 1;
        const now = clock();
        if (failures === 1) log.error(`${job} failed; retrying`, error);
        else if (now - saidAt >= summaryEveryMs) log.error(`${job} is still failing: ${failuresOf(unsaid + 1)} since the last line, the last with this error`, error);
        else {
          unsaid += 1;
          return;
        }
        unsaid = 0;
        saidAt = now;
      },
      onSuccess() {
        if (failures === 0) return;
        log.info(`${job} recovered after ${failuresOf(failures)}`);
        failures = 0;
        unsaid = 0;
      },
    };
  };
}
