/** Where the background jobs tell of their failures and recoveries: the server's log. */
export interface JobLog {
  error(message: string, error: unknown): void;
  info(message: string): void;
}

// While a job keeps failing, a line at most this often: a job retried every second would otherwise log a line a second.
const summaryEveryMs = 60_000;

const failuresOf = (count: number) => `${count} ${count === 1 ? 'failure' : 'failures'}`;

/**
 * The failures of the background jobs, told to `log` at most a line a minute per job: a failure after a quiet
 * minute is said with its error (how many went unsaid since the last line, if any); the failures within a minute of
 * a line are counted, and the next line says how many; a success after an outage that was said says it recovered,
 * after how many. So a job failing every second, or failing and succeeding in turn, logs a line a minute, not two a
 * failure. `clock` is milliseconds on a clock that only moves forward. Each job keeps a few numbers.
 */
export function jobFailureLog(log: JobLog, clock: () => number = () => performance.now()) {
  /** The hooks of one job, `job` naming it in a line ('relinking'), to give its loop. */
  return (job: string) => {
    // Failures since the job last succeeded; failures since the last line not said yet; when that line was.
    let failures = 0;
    let unsaid = 0;
    let saidAt = Number.NEGATIVE_INFINITY;
    // Whether a line said this outage, so that its end is said too.
    let outageSaid = false;
    return {
      onError(error: unknown) {
        failures += 1;
        const now = clock();
        if (now - saidAt < summaryEveryMs) {
          unsaid += 1;
          return;
        }
        if (failures === 1) log.error(`${job} failed; retrying${unsaid > 0 ? ` (${failuresOf(unsaid)} before it since the last line)` : ''}`, error);
        else log.error(`${job} is still failing: ${failuresOf(unsaid + 1)} since the last line, the last with this error`, error);
        unsaid = 0;
        saidAt = now;
        outageSaid = true;
      },
      onSuccess() {
        if (failures === 0) return;
        // The recovery's line counts every failure of the outage; one not said carries its count to the next line.
        if (outageSaid) {
          log.info(`${job} recovered after ${failuresOf(failures)}`);
          unsaid = 0;
        }
        failures = 0;
        outageSaid = false;
      },
    };
  };
}
