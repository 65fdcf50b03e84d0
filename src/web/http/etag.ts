import { hash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { Total } from '../../core/list/query.js';
import { projectFile } from '../../core/project-root.js';
import { revisionOf } from '../../core/resources/shared/revision.js';

/** Tags made from revisions name the release: one that changes a representation must not answer 304 to a copy of the old. */
const release = z.object({ version: z.string() }).parse(JSON.parse(readFileSync(projectFile('package.json'), 'utf8'))).version;

/** A strong entity tag: a digest of the bytes it stands for. */
export const entityTag = (value: string | Buffer): string => `"${hash('sha256', value, 'base64url').slice(0, 27)}"`;

/**
 * A stored record's ETag, from its revision (id, version and relation lists, reverse ones included): a write
 * can compare an If-Match with the stored record without rendering a response, and a GET does not hash the
 * record. Undefined for a copy (a page, or a record shaped by `fields` or `include`), which `shapedEtag` tags,
 * and for anything else, whose tag comes from the bytes sent.
 */
export function recordEtag(record: object): string | undefined {
  const revision = revisionOf(record);
  return revision === undefined ? undefined : revisionTag(revision);
}

/** The ETag of a stored record with this revision (core/resources/shared/revision.ts). */
export const revisionTag = (revision: string): string => entityTag(`${release}\n${revision}`);

/** Records and what they embed, as the embedder read them (core/list/embed.ts). */
interface ShapedContent {
  records: object[];
  /** The ids each include referred to, by include path and record id: a reverse include reads them from link tables, not from the record. */
  referenced: Map<string, Map<string, string[]>>;
  /** The embedded records as read, by type and id. */
  embedded: Map<string, object>;
}

/**
 * The ETag of stored records as a request shaped them (a page, or one record with `fields` or `include`): their
 * bytes follow from the request (path, fields, include, sort, cursor, limit), the revisions of the records and of
 * every record they embed, the ids each include referred to, and for a page its count and next cursor. Exact
 * without hashing the body, which for a page of long articles is megabytes. Undefined when a record has no revision.
 */
export function shapedEtag(url: string, { records, referenced, embedded }: ShapedContent, page: { total?: Total | undefined; nextCursor: string | null } = { nextCursor: null }): string | undefined {
  const revisions = [...records, ...embedded.values()].map(revisionOf);
  if (revisions.includes(undefined)) return undefined;
  const references = [...referenced].map(([path, byRecord]) => [path, [...byRecord]]);
  return entityTag(JSON.stringify([release, url, page.total ?? null, page.nextCursor, revisions, [...embedded.keys()], references]));
}

/**
 * A compressed response's tag: its identity tag with the content-coding appended (`"x.br"`), because each
 * content-coding of a representation is a representation of its own (RFC 9110 §8.8.3). Tags are compared
 * by their identity form, so a copy held in any coding is current.
 */
export const codedTag = (etag: string, coding: string): string => etag.replace(/"$/, `.${coding}"`);
const identityTag = (tag: string) => tag.replace(/\.(?:br|gzip)"$/, '"');
const opaque = (tag: string) => tag.replace(/^W\//, '');

/** The entity tags of an If-Match / If-None-Match field value; `*` stays `*`. */
function listedTags(header: string): string[] {
  return header.match(/(?:W\/)?"[^"]*"|\*/g) ?? [];
}

/** If-None-Match uses the weak comparison: `W/"x"` and `"x"` are the same tag. */
export function noneMatch(header: string, etag: string): boolean {
  return listedTags(header).some((tag) => tag === '*' || identityTag(opaque(tag)) === opaque(etag));
}

/** The tag a 304 names: the coded form of `etag` the client holds, if it sent one, else `etag`. */
export function heldTag(header: string, etag: string): string {
  return (
    listedTags(header)
      .map(opaque)
      .find((tag) => tag !== etag && identityTag(tag) === etag) ?? etag
  );
}

/** If-Match uses the strong comparison: a weak tag never matches. */
export function strongMatch(header: string, etag: string): boolean {
  return listedTags(header).some((tag) => tag === '*' || identityTag(tag) === etag);
}
