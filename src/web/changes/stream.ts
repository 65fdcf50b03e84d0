import { Readable } from 'node:stream';
import fastJson from 'fast-json-stringify';
import { type Change, changeEvent } from '../../core/changes/schemas.js';
import { pollInterval } from '../../core/db/commit-notices.js';
import type { Visibility } from '../../core/list/visibility.js';
import type { Services } from '../../core/services.js';
import { responseJsonSchema } from '../http/serializer.js';

/** Events a stream reads from the table at a time; with the buffers' high-water marks, what a stream holds at most. */
const streamPageSize = 100;

// Compiled by the first event a stream sends, not when the module loads: the start does not wait for it.
let serialize: ((event: Change) => string) | undefined;

/** One Server-Sent Event: `id` resumes the stream (Last-Event-ID), `event` names the action. */
const frame = (event: Change) => {
  serialize ??= fastJson(responseJsonSchema(changeEvent));
  return `id: ${event.seq}\nevent: ${event.action}\ndata: ${serialize(event)}\n\n`;
};

type Wake = () => void;
/** What the stream reads of the change feed. */
export type StreamFeed = Pick<Services['changes'], 'page' | 'lastSeq' | 'notices'>;

/**
 * What each page of a stream is read under: a public stream's moment is the page's, not the request's, so an
 * article whose scheduled time passes while the stream is open has its later events sent.
 */
export const streamVisibility = (visibility: Visibility): (() => Visibility) => (visibility.audience === 'all' ? () => visibility : () => ({ ...visibility, now: new Date().toISOString() }));

/**
 * Tells the streams of this process that have read everything when the feed grows past where they stopped.
 * It reads max(seq), one read of the rowid tree's last page, while any stream waits: the feed's events are
 * committed by every worker, and SQLite's data_version would miss this connection's own commits and wake on
 * every other table's. It reads when a commit is told (PostgreSQL's change signal: every node's), and every
 * `pollMs` otherwise; while commits are told, at the slower fallback (commit-notices.ts), or after `pollMs` for a
 * stream still behind the newest seq (a public stream passing hidden events, a window a look). A read that fails
 * (a busy database) is told to `onError`, and the next one looks again.
 */
export function changeWatcher(feed: StreamFeed, pollMs: number, onError: (error: unknown) => void) {
  const waiting = new Map<Wake, number>();
  let timer: NodeJS.Timeout | undefined;
  let armedFor = Number.POSITIVE_INFINITY;
  let unlisten: (() => void) | undefined;
  let newest = 0;
  // The streams due, woken one a turn of the event loop with requests served between: a public stream behind
  // hidden events reads a window of them (~3 ms), and a poll that woke them all at once held the loop for all
  // their reads. One queue for every poll, so polls that come while it drains do not wake streams side by side.
  let due: Wake[] = [];
  let next = 0;
  const wakeNext = () => {
    due[next++]?.();
    if (next < due.length) setImmediate(wakeNext);
    else [due, next] = [[], 0];
  };
  /** The next read in `ms`, unless one is due sooner. */
  const arm = (ms: number) => {
    const at = performance.now() + ms;
    if (at >= armedFor) return;
    clearTimeout(timer);
    armedFor = at;
    timer = setTimeout(poll, ms);
  };
  const disarm = () => {
    clearTimeout(timer);
    armedFor = Number.POSITIVE_INFINITY;
  };
  // One read at a time; a commit told while one is under way may have come after it: one more read follows.
  let reading = false;
  let toldDuringRead = false;
  const poll = async () => {
    if (reading) {
      toldDuringRead = true;
      return;
    }
    reading = true;
    disarm();
    try {
      newest = await feed.lastSeq();
    } catch (error) {
      onError(error);
    }
    reading = false;
    const draining = next < due.length;
    // A woken stream that waits again (its page was all hidden events) is found by the next poll, not this one.
    for (const [wake, after] of [...waiting])
      if (after < newest) {
        waiting.delete(wake);
        due.push(wake);
      }
    if (!draining && due.length > 0) setImmediate(wakeNext);
    if (waiting.size === 0) stop();
    else if (toldDuringRead) {
      toldDuringRead = false;
      void poll();
    } else arm(pollInterval(feed.notices, pollMs));
  };
  const stop = () => {
    disarm();
    unlisten?.();
    unlisten = undefined;
    toldDuringRead = false;
  };
  return {
    /** Calls `wake` once, when an event after seq `after` is committed. */
    wait(after: number, wake: Wake) {
      waiting.set(wake, after);
      // Not listening until now (no stream waited): commits since went unheard and `newest` may be old, so look soon.
      const heardSince = unlisten !== undefined;
      unlisten ??= feed.notices.listen(() => void poll());
      if (!reading) arm(heardSince && after >= newest ? pollInterval(feed.notices, pollMs) : pollMs);
    },
    cancel(wake: Wake) {
      waiting.delete(wake);
      if (waiting.size === 0) stop();
    },
  };
}

type ChangeWatcher = ReturnType<typeof changeWatcher>;

/**
 * The events after a seq as Server-Sent Events, read from the table a page at a time when the socket asks
 * for more: a client that does not read stops the reading, so a slow client costs a page and the buffers'
 * high-water marks, never its backlog, which stays in the table. A comment line every `heartbeatMs`
 * keeps proxies from closing an idle connection.
 */
export class ChangeStream extends Readable {
  #after: number;
  #open = true;
  readonly #heartbeat: NodeJS.Timeout;

  constructor(
    private readonly feed: StreamFeed,
    private readonly watcher: ChangeWatcher,
    after: number,
    heartbeatMs: number,
    private readonly visibility: () => Visibility,
  ) {
    super();
    this.#after = after;
    // Sent at once, so the client has the headers before the first event or heartbeat.
    this.push(': connected\n\n');
    this.#heartbeat = setInterval(() => {
      // A stream with bytes still buffered is not idle.
      if (this.readableLength === 0) this.push(': heartbeat\n\n');
    }, heartbeatMs);
  }

  override _read() {
    void this.#readPage();
  }

  // One read at a time: Readable asks again only after a push, and the watcher wakes a stream only while it waits.
  readonly #readPage = async () => {
    if (!this.#open) return;
    try {
      const page = await this.feed.page(this.#after, streamPageSize, this.visibility());
      // The stream may have ended while the page was read.
      if (!this.#open) return;
      this.#after = page.through;
      if (page.events.length === 0) return this.watcher.wait(this.#after, this.#readPage);
      this.push(page.events.map(frame).join(''));
    } catch (error) {
      // The client reconnects with its Last-Event-ID.
      this.destroy(error instanceof Error ? error : new Error(String(error)));
    }
  };

  /** Ends the response cleanly (the server is closing): the client reconnects with its Last-Event-ID. */
  finish() {
    if (!this.#open) return;
    this.#stop();
    this.push(null);
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void) {
    this.#stop();
    done(error);
  }

  #stop() {
    this.#open = false;
    clearInterval(this.#heartbeat);
    this.watcher.cancel(this.#readPage);
  }
}
