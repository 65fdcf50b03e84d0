import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { LRUCache } from 'lru-cache';
import { everything, type Visibility } from '../../core/list/visibility.js';
import type { Services } from '../../core/services.js';
import { ownBytes } from './own-bytes.js';
import { type PageFootprint, pageFootprintOf, placeOf } from './page-footprint.js';
import { positionHeader } from './read-your-writes.js';
import { type KeptAcrossWrites, traitsOf } from './traits.js';

/**
 * The headers of a 200 that its handler and serialisation set from the data. Every other header (request
 * id, rate limit, Vary, Cache-Control, CORS, security) is set per request by hooks that run on a hit too.
 */
const representationHeaders = ['content-type', 'etag', 'link'];

interface Entry {
  /** A public view (request.publicView) these bytes are known to answer: the one read before the handler read their data, or a later one that found them unchanged. */
  stamp: string;
  headers: Array<[string, string]>;
  body: Buffer;
  /**
   * Whether the bytes still answer the request at another view: a record's by its current ETag (traits.currentEtag),
   * a page kept across writes (traits.keptAcrossWrites) by the change feed's events since. Without it, an entry
   * answers its own view only.
   */
  unchanged?: (request: FastifyRequest) => Promise<boolean>;
  /** The ids a kept page's footprint holds, counted in the entry's size. */
  footprintIds: number;
}

/** Where a page kept across writes stands in the change feed. */
interface FeedChecked {
  footprint: PageFootprint;
  /** The feed's seq read before the page's data (then the last one checked): the events after it are not known to the page. */
  at: number;
  /** The next scheduled publication at the page's view: a publication coming due changes the public's list without an event. */
  next: string | null;
  /** What is left of the footprint's margin after the events checked. */
  margin: number;
}

/** What a miss remembers until its response is sent: where to keep it, the stamp it was read at, and for a page kept across writes where the feed was. */
interface Pending {
  key: string;
  stamp: string;
  feed?: Pick<FeedChecked, 'at' | 'next'>;
}

/** The change feed's reads the cache checks a kept page with: events after a seq, the newest seq, and the change stamp to tell whether a commit came between. */
export interface ChangeFeedReads {
  lastSeq(): Promise<number>;
  /** The engine's change stamp (Visibility.scheduledAt is the one a view read): a seq read between two equal stamps is the one at the first. */
  stamp(): string;
  /** At most `limit` events after seq `after`, oldest first; `more` when others follow, `through` the last seq examined. */
  since(after: number, limit: number): Promise<{ events: Array<{ resource: string; id: string }>; more: boolean; through: number }>;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The bytes and entries the response cache holds (absent when RESPONSE_CACHE_MB=0). */
    responseCache?: { readonly bytes: number; readonly entries: number };
  }
}

interface ResponseCacheOptions {
  maxBytes: number;
  /** Milliseconds since the epoch: the moment a record written at the head of a kept page is looked up at. */
  clock: () => number;
  /** The change feed, when every commit the view moves for is in it as read here (SQLite): without it, a page is kept for one view. */
  feed?: ChangeFeedReads | undefined;
}

const nextPublicationOf = (visibility: Visibility): string | null => (visibility.audience === 'public' ? visibility.nextPublication : null);
/** Whether no commit came since a public view was decided: the change stamp is still the one its view read. */
const noCommitSince = (feed: ChangeFeedReads, visibility: Visibility) => visibility.audience === 'public' && feed.stamp() === visibility.scheduledAt;

/** The most events a kept page is checked against at once: past them, it is read again. */
const maxEventsChecked = 64;

// A key and its entry's bookkeeping, beside the bytes: counted so that many small entries stay bounded too.
const entryOverhead = 200;
// An id a kept page's footprint holds (a 36-character string in a Set), counted beside its bytes.
const footprintIdBytes = 128;

/**
 * The largest entry kept (its body, key and bookkeeping). Pages of long records (100 articles: about 370 KB) are
 * seldom asked twice, and their bytes outlast their eviction in the allocator: a walk of 1,000 such pages took the
 * server's RSS about 37 MB over the cache off with the default bound, about 19 MB with this limit (docs/performance.md).
 */
const maxEntryBytes = 256 * 1024;

/**
 * Anonymous data reads only: a route that declares formats answers from the database, by its URL and
 * representation. A read with a token may be answered differently (drafts), so it neither uses nor fills the cache;
 * nor does one carrying a write's position, which this process's change stamp may not have heard of yet.
 */
const cachedRoute = (request: FastifyRequest) =>
  (request.method === 'GET' || request.method === 'HEAD') &&
  request.principal === null &&
  request.headers[positionHeader.toLowerCase()] === undefined &&
  traitsOf(request).cacheable === true &&
  traitsOf(request).formats !== undefined;

/**
 * A bounded LRU of the serialised 200s of public data reads, keyed by the URL as sent (path and query: what the
 * body, its ETag and its Link follow from) and the negotiated representation. An entry is served while the public
 * view (the database's change stamp and the next scheduled publication) is the one read before its data was. At
 * another view (any committed write, by this process or another, or a scheduled article coming due) a record's answer
 * is served only if the record's current ETag, read from its revision without the record, is still the entry's (a
 * write to another record leaves it alone), a list's first page only if the change feed shows no write since could
 * reach it, and any other answer is a miss. A reader who sees unpublished articles
 * is neither served nor kept. The hit replaces the handler alone; every hook still runs, so rate limits, request
 * ids, 304s and compression are as without the cache.
 */
async function responseCache(app: FastifyInstance, options: ResponseCacheOptions) {
  // The keys of the entries served only at the view they were read at (those with no check of their own).
  const ofView = new Set<string>();
  const cache = new LRUCache<string, Entry>({
    maxSize: options.maxBytes,
    maxEntrySize: Math.min(options.maxBytes, maxEntryBytes),
    sizeCalculation: (entry, key) => entry.body.length + key.length * 2 + entryOverhead + entry.footprintIds * footprintIdBytes,
    dispose: (_entry, key) => ofView.delete(key),
  });
  app.decorate('responseCache', {
    get bytes() {
      return cache.calculatedSize;
    },
    get entries() {
      return cache.size;
    },
  });
  // Not a request decoration: the routes of contexts made before this plugin (the docs page) would lack it.
  const misses = new WeakMap<FastifyRequest, Pending>();
  // The public view the entries in `ofView` were read at. A request at another view (nearly always a newer one;
  // one that read its view before a write may be answered after a request that read it after) lets them go:
  // they could serve only requests that read it before the write, and under steady writes they filled the bound
  // until the LRU pushed them out. Only entries are lost, never a stale one served.
  let keptAt: string | null = null;

  app.addHook('preHandler', (request, reply, done) => {
    if (!cachedRoute(request)) return done();
    // The public view holds the change stamp and the next scheduled publication: a write, or a scheduled article
    // coming due, has an entry checked (a record's by its revision, a first page by the change feed) or read again.
    // Returns nothing: a hook that returns a promise is awaited by Fastify beside its `done`, and would run the handler twice.
    request.publicView.then((stamp) => answer(request, reply, stamp, done), done);
  });

  /** Sends the entry kept for the request's URL and public view, or notes the miss for onSend to keep. */
  function answer(request: FastifyRequest, reply: FastifyReply, stamp: string | null, done: () => void) {
    if (stamp === null) return done();
    const key = `${request.representation?.name ?? 'json'} ${request.url}`;
    if (stamp !== keptAt) {
      for (const viewKey of ofView) cache.delete(viewKey);
      keptAt = stamp;
    }
    const entry = cache.get(key);
    const miss = () => {
      const { feed } = options;
      if (feed === undefined || traitsOf(request).keptAcrossWrites === undefined) {
        misses.set(request, { key, stamp });
        return done();
      }
      feedPosition(request, feed).then(
        (position) => {
          misses.set(request, { key, stamp, ...(position ? { feed: position } : {}) });
          done();
        },
        () => done(),
      );
    };
    if (entry === undefined) return miss();
    if (entry.stamp === stamp) return send(reply, entry);
    if (entry.unchanged === undefined) return miss();
    // Read after the view: a record or page found unchanged answers this view, and this view's next requests need not ask again.
    // One changed, gone or unreadable: the handler answers (and a 200 is kept again), the old bytes go.
    const stale = () => {
      if (cache.peek(key) === entry) cache.delete(key);
      miss();
    };
    entry.unchanged(request).then((unchanged) => {
      if (!unchanged) return stale();
      entry.stamp = stamp;
      send(reply, entry);
    }, stale);
  }

  /**
   * Where a page read for this request will stand in the change feed: the feed's newest seq, read before the page's
   * data, if no commit came between the view's change stamp and it. Every event up to it is then one the view sees
   * (a record it publishes at a moment after the view's is the next scheduled publication), and every later one is
   * checked when the page is asked for at another view. With a commit between, the page is kept for its view only.
   * Read on a miss only: a hit reads no seq.
   */
  async function feedPosition(request: FastifyRequest, feed: ChangeFeedReads): Promise<Pending['feed']> {
    const visibility = await request.visibility;
    const at = await feed.lastSeq();
    // (A public view: a reader who sees all has no stamp and reaches no miss. Said for the type.)
    if (visibility.audience !== 'public' || !noCommitSince(feed, visibility)) return undefined;
    return { at, next: visibility.nextPublication };
  }

  /**
   * Whether a page kept across writes is unchanged at the request's view: no event since its seq can reach it (see
   * PageFootprint), and no scheduled publication has come due.
   */
  const pageUnchanged =
    (feed: ChangeFeedReads, shows: KeptAcrossWrites, checked: FeedChecked) =>
    async (request: FastifyRequest): Promise<boolean> => {
      const { at, margin } = checked;
      // Past the most checked at once the feed says `more`, and the page is read again.
      const [visibility, { events, more, through }] = await Promise.all([request.visibility, feed.since(at, maxEventsChecked)]);
      if (more || nextPublicationOf(visibility) !== checked.next) return false;
      const places = { before: new Set<string>(), after: new Set<string>() };
      for (const { resource, id } of events) {
        const place = placeOf(checked.footprint, resource, id);
        if (place === 'changed') return false;
        places[place].add(id);
      }
      // Each record written may have joined or left the total: one at the head the public does not see now may have
      // been counted (the total is read after the page's ids) and hidden again since.
      const written = places.before.size + places.after.size;
      if (written > margin) return false;
      // At a moment taken after the events were read, so none of their writes is dated later: a record the public
      // does not see then is not on the page then.
      const now = visibility.audience === 'public' ? { ...visibility, now: new Date(options.clock()).toISOString() } : visibility;
      if ((await Promise.all([...places.before].map((id) => shows(id, now)))).includes(true)) return false;
      // The page answers this view. Its events are passed only if none was committed after the view was decided: such
      // an event (an article scheduled for a moment this view's next publication does not know) is checked again at
      // the next view, which knows it.
      if (noCommitSince(feed, visibility)) {
        checked.at = Math.max(checked.at, through);
        checked.margin = Math.min(checked.margin, margin - written);
      }
      return true;
    };

  /** A record's answer found unchanged by its current ETag, read from its revision. */
  function byRevision(request: FastifyRequest, etag: string): Entry['unchanged'] {
    const { currentEtag } = traitsOf(request);
    return currentEtag && ((again) => currentEtag(again).then((current) => current === etag));
  }

  /** A page found unchanged by the change feed's events since it was read. */
  function byFeed(request: FastifyRequest, checked: FeedChecked): Entry['unchanged'] {
    const { keptAcrossWrites } = traitsOf(request);
    return options.feed && keptAcrossWrites && pageUnchanged(options.feed, keptAcrossWrites, checked);
  }

  function send(reply: FastifyReply, entry: Entry) {
    for (const [name, value] of entry.headers) reply.header(name, value);
    reply.send(entry.body);
  }

  app.addHook('onSend', (request, reply, payload, done) => {
    const miss = misses.get(request);
    // The kept bytes are sent on, so compression sees the Buffer the hits will send and keeps its forms from now.
    if (miss !== undefined && reply.statusCode === 200 && !reply.hasHeader('content-encoding') && (typeof payload === 'string' || Buffer.isBuffer(payload)))
      return done(null, keep(miss, request, reply, payload));
    done(null, payload);
  });

  /** Keeps the answer's bytes, which it returns. */
  function keep({ key, stamp, feed: readAt }: Pending, request: FastifyRequest, reply: FastifyReply, payload: string | Buffer): Buffer {
    const headers = representationHeaders.flatMap((name): Array<[string, string]> => {
      const value = reply.getHeader(name);
      return value === undefined ? [] : [[name, String(value)]];
    });
    // Only the record as stored, in plain JSON and without a query, is tagged by its revision alone: `fields` and
    // `include` tag what they embed too, and JSON-LD and ninjs carry other records' names. Those are kept as pages are.
    const tagged = traitsOf(request).currentEtag !== undefined && request.representation === null && !request.url.includes('?');
    const etag = tagged ? headers.find(([name]) => name === 'etag')?.[1] : undefined;
    // JSON-LD and ninjs name other records, which the footprint does not follow.
    const footprint = readAt !== undefined && request.representation === null ? pageFootprintOf(reply) : undefined;
    const byPage = etag === undefined && footprint && readAt ? byFeed(request, { footprint, ...readAt, margin: footprint.margin }) : undefined;
    const unchanged = etag === undefined ? byPage : byRevision(request, etag);
    // A large body comes as the Buffer sent (see sentForm), kept as it is rather than copied.
    const body = ownBytes(payload);
    cache.set(key, { stamp, headers, body, footprintIds: byPage && footprint ? footprint.ids.size : 0, ...(unchanged ? { unchanged } : {}) });
    if (unchanged === undefined && cache.has(key)) ofView.add(key);
    return body;
  }
}

/** The feed's reads for pages kept across writes, where the feed holds every commit the view moves for. */
export const keptPagesFeed = (changes: Services['changes']): ChangeFeedReads | undefined =>
  changes.readsEveryCommit ? { lastSeq: () => changes.lastSeq(), stamp: () => changes.stamp(), since: (after, limit) => changes.page(after, limit, everything) } : undefined;

export default fp(responseCache, { name: 'response-cache', dependencies: ['bearer-auth', 'conditional-get', 'representations', 'visibility'] });
