// Every table, in one place, for drizzle-kit and for the query builder's relational API.
export * from '../resources/organisations/table.js';
export * from '../resources/people/table.js';
export * from '../resources/meetings/table.js';
export * from '../resources/articles/table.js';
export * from '../facts/table.js';
export { idempotencyKeys } from './idempotency.js';
