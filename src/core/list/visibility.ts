import { sql } from 'drizzle-orm';

/**
 * Which records a read sees: every one (a reader the web layer trusts with unpublished work), or what the
 * public sees at `now`. `nextPublication` is the earliest scheduled publication after `now`: until then the
 * public's view changes only with a write, so what is derived from it (a count, a cached response) is kept until either.
 */
export type Visibility = { audience: 'all' } | { audience: 'public'; now: string; nextPublication: string | null };
export type Audience = Visibility['audience'];

export const everything: Visibility = { audience: 'all' };

/** The moment a public statement compares with: bound, so each statement is prepared once per audience. */
export const visibleAt = sql.placeholder('now');

/** What a statement prepared for this audience binds besides its own values. */
export const visibilityValues = (visibility: Visibility): { now?: string } => (visibility.audience === 'public' ? { now: visibility.now } : {});

/** One value per audience, made once: the public and the full variant of a prepared statement. */
export const perAudience = <T>(make: (audience: Audience) => T): Record<Audience, T> => ({ all: make('all'), public: make('public') });
