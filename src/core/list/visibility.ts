import { sql } from 'drizzle-orm';

/**
 * Which records a read sees: every one (a reader the web layer trusts with unpublished work), or what the
 * public sees at `now`. `nextPublication` is the earliest scheduled publication after `now`, read at the change
 * stamp `scheduledAt`: until then the public's view changes only with a write, so what is derived from it (a count,
 * a cached response) is kept until either, and only under that stamp (a write after it may schedule an earlier one).
 */
export type Visibility = { audience: 'all' } | { audience: 'public'; now: string; nextPublication: string | null; scheduledAt: string };
export type Audience = Visibility['audience'];

export const everything: Visibility = { audience: 'all' };

/**
 * Whether a value derived for this reader may be kept in (or taken from) a memo at the change stamp `memoAt`: a
 * public value is keyed by its next publication, which holds only at the stamp the schedule was read at.
 */
export const memoFits = (visibility: Visibility, memoAt: string): boolean => visibility.audience === 'all' || visibility.scheduledAt === memoAt;

/** The moment a public statement compares with: bound, so each statement is prepared once per audience. */
export const visibleAt = sql.placeholder('now');

/** What a statement prepared for this audience binds besides its own values. */
export const visibilityValues = (visibility: Visibility): { now?: string } => (visibility.audience === 'public' ? { now: visibility.now } : {});

/** One value per audience, made once: the public and the full variant of a prepared statement. */
export const perAudience = <T>(make: (audience: Audience) => T): Record<Audience, T> => ({ all: make('all'), public: make('public') });
