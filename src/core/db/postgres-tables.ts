import { getTableColumns, is, SQL, sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  customType,
  type ExtraConfigColumn,
  foreignKey,
  index,
  json,
  type PgColumn,
  type PgColumnBuilderBase,
  type PgTable,
  type PgTableWithColumns,
  pgTable,
  primaryKey,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { getTableConfig, type SQLiteColumn, SQLiteInteger, type SQLiteTable } from 'drizzle-orm/sqlite-core';
import * as changesTables from '../changes/table.js';
import * as factsTables from '../facts/table.js';
import { articleList } from '../resources/articles/list.js';
import * as articlesTables from '../resources/articles/table.js';
import { meetingList } from '../resources/meetings/list.js';
import * as meetingsTables from '../resources/meetings/table.js';
import { organisationList } from '../resources/organisations/list.js';
import * as organisationsTables from '../resources/organisations/table.js';
import { personList } from '../resources/people/list.js';
import * as peopleTables from '../resources/people/table.js';
import * as revisionsTables from '../revisions/table.js';
import * as searchTables from '../search/table.js';
import * as trashTables from '../trash/table.js';
import * as webhooksTables from '../webhooks/table.js';
import * as idempotencyTables from './idempotency.js';

/*
 * The PostgreSQL tables, built from the SQLite declarations rather than declared a second time: the sqlite-core
 * tables stay the one source of truth (drizzle-zod reads them too), and drizzle-kit generates the PostgreSQL
 * migrations from these (drizzle.postgres.config.ts). test/db/postgres-schema.test.ts checks that every SQLite
 * table, column, key, index and check has its counterpart. docs/postgresql.md has the design.
 */

const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' });

/**
 * SQLite compares text byte by byte (BINARY), which for UTF-8 is code point order: so does the "C" collation,
 * whatever locale the database was created with, so sorts, keyset cursors and unique slugs agree on both engines.
 */
const codePointText = customType<{ data: string; driverData: string }>({ dataType: () => 'text collate "C"' });

/**
 * A 64-bit integer as the JS number better-sqlite3 reads, refused past Number.MAX_SAFE_INTEGER rather than
 * rounded. The pool reads int8 with it (postgres.ts); drizzle's driver brings its own parsers, which give the
 * text, so the columns read it too.
 */
export function readInt8(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new RangeError(`PostgreSQL returned the 64-bit integer ${text}, which a JavaScript number cannot hold exactly`);
  return value;
}

/**
 * A JSON value kept as its text, as SQLite keeps it: `octet_length` of text reads a TOASTed value's size from its
 * header, where `json` has no bytes but its output function's, which reads the value whole (docs/postgresql.md).
 */
const jsonAsText = customType<{ data: unknown; driverData: string }>({ dataType: () => 'text collate "C"', toDriver: JSON.stringify, fromDriver: JSON.parse });

/**
 * The JSON columns a list page sizes (its byte budget) that may be large: an article's body. Stored as text so that
 * sizing a page's candidates reads none of them; a statement that reads one as JSON casts it (`::json`, the dialect).
 */
const sizedJson = new Set<SQLiteColumn>([articlesTables.articles.body]);

const int8 = customType<{ data: number; driverData: string | number }>({ dataType: () => 'bigint', fromDriver: (value) => readInt8(String(value)) });

/** The column's default, when it has one of the type `fits` accepts (or is SQL); a default of another type is a mistake. */
function defaultOf<Value>(column: SQLiteColumn, fits: (value: unknown) => value is Value): Value | SQL | undefined {
  if (!column.hasDefault) return undefined;
  const value = column.default;
  if (is(value, SQL) || fits(value)) return value;
  throw new Error(`no PostgreSQL default for ${column.name}: ${String(value)}`);
}

const anyValue = (_value: unknown): _value is unknown => true;
const isText = (value: unknown): value is string => typeof value === 'string';
const isNumber = (value: unknown): value is number => typeof value === 'number';
const isBoolean = (value: unknown): value is boolean => typeof value === 'boolean';
const noDefault = (_value: unknown): _value is never => false;

/**
 * SQLite's INTEGER is 64 bits, so every integer is a bigint here (read as a JS number, as better-sqlite3 reads
 * it); its JSON text is `json`, which keeps the text as written (jsonb would reorder an object's keys); its
 * 0/1 booleans are booleans.
 */
function postgresType(column: SQLiteColumn) {
  switch (column.columnType) {
    case 'SQLiteText': {
      const value = defaultOf(column, isText);
      return value === undefined ? codePointText() : codePointText().default(value);
    }
    case 'SQLiteTextJson': {
      if (sizedJson.has(column)) {
        defaultOf(column, noDefault);
        return jsonAsText();
      }
      const value = defaultOf(column, anyValue);
      return value === undefined ? json() : json().default(value);
    }
    case 'SQLiteBoolean': {
      const value = defaultOf(column, isBoolean);
      return value === undefined ? boolean() : boolean().default(value);
    }
    case 'SQLiteInteger': {
      const value = defaultOf(column, isNumber);
      return value === undefined ? int8() : int8().default(value);
    }
    case 'SQLiteBlobBuffer':
      defaultOf(column, noDefault);
      return bytea();
    default:
      throw new Error(`no PostgreSQL type for ${column.columnType} (column ${column.name})`);
  }
}

/** A single-column INTEGER PRIMARY KEY is SQLite's rowid, numbered when an insert leaves it out: an identity here. */
const isRowid = (column: SQLiteColumn) => column.primary && is(column, SQLiteInteger);

function postgresColumn(column: SQLiteColumn): PgColumnBuilderBase {
  if (isRowid(column)) return bigint({ mode: 'number' }).primaryKey().generatedByDefaultAsIdentity();
  const type = postgresType(column);
  if (column.notNull) type.notNull();
  if (column.isUnique) type.unique(column.uniqueName);
  if (column.primary) type.primaryKey();
  return type;
}

/**
 * The checks SQLite's SQL cannot say in PostgreSQL's, by name: SQLite adds booleans as integers, PostgreSQL
 * counts the set columns with num_nonnulls. Any other check is the same SQL on both.
 */
const postgresChecks: Record<string, SQL> = Object.fromEntries(
  ['mentions_one_entity', 'provenance_one_entity', 'relink_jobs_one_entity'].map((name) => [name, sql`num_nonnulls(person_id, organisation_id, meeting_id) = 1`]),
);

/**
 * A SQLite table's PostgreSQL counterpart as TypeScript sees it: the same column names with the same JS values
 * (the mapping above reads every value back as better-sqlite3 does, which the drift test checks row by row), so
 * queries and rows are typed alike on both engines.
 */
type PostgresColumn<C extends SQLiteColumn, TableName extends string> = PgColumn<{
  name: C['_']['name'];
  tableName: TableName;
  dataType: C['_']['dataType'];
  columnType: string;
  data: C['_']['data'];
  driverParam: unknown;
  notNull: C['_']['notNull'];
  hasDefault: C['_']['hasDefault'];
  isPrimaryKey: C['_']['isPrimaryKey'];
  isAutoincrement: C['_']['isAutoincrement'];
  hasRuntimeDefault: C['_']['hasRuntimeDefault'];
  enumValues: C['_']['enumValues'];
  baseColumn: never;
  identity: undefined;
  generated: undefined;
}>;

export type PostgresTable<T extends SQLiteTable> = PgTableWithColumns<{
  name: T['_']['name'];
  schema: undefined;
  columns: { [K in keyof T['_']['columns']]: PostgresColumn<T['_']['columns'][K], T['_']['name']> };
  dialect: 'pg';
}>;

/**
 * The nullable columns a list sorts by. SQLite's b-trees hold NULLs first, PostgreSQL's last unless told; a list
 * sorts NULLs lowest (list/sql.ts), so their indexes hold them first, as SQLite's do, and a walk either way reads
 * the index instead of sorting the rows. Other nullable columns keep PostgreSQL's order, which the statements that
 * sort by them (`order by … asc`, NULLs last there) are served by.
 */
const sortedNullsFirst = new Set<SQLiteColumn | SQL>([articleList, meetingList, organisationList, personList].flatMap((list) => Object.values(list.sort).filter((column) => !column.notNull)));

/** The PostgreSQL table of each SQLite table built so far, for the foreign keys that reference it. */
const built = new Map<SQLiteTable, PgTable>();

function postgresTable<T extends SQLiteTable>(table: T): PostgresTable<T> {
  const config = getTableConfig(table);
  const columns = Object.fromEntries(config.columns.map((column) => [column.name, postgresColumn(column)]));
  // Called when drizzle-kit (or a query) first reads the table's keys, once every table is built.
  const keysAndIndexes = (own: Record<string, ExtraConfigColumn>) => {
    const counterpart = <C extends PgColumn>(columns: Record<string, C>, source: SQLiteColumn | SQL): C => {
      const found = is(source, SQL) ? undefined : columns[source.name];
      if (!found) throw new Error(`${config.name}: no PostgreSQL column for ${is(source, SQL) ? 'an expression' : source.name}`);
      return found;
    };
    const of = <C extends PgColumn>(sources: (SQLiteColumn | SQL)[], columns: Record<string, C>): [C, ...C[]] => {
      const [first, ...rest] = sources.map((source) => counterpart(columns, source));
      if (!first) throw new Error(`${config.name}: a key or an index without columns`);
      return [first, ...rest];
    };
    const indexed = (sources: (SQLiteColumn | SQL)[]) => {
      const [first, ...rest] = sources.map((source) => {
        const column = counterpart(own, source);
        return sortedNullsFirst.has(source) ? column.nullsFirst() : column;
      });
      if (!first) throw new Error(`${config.name}: an index without columns`);
      return [first, ...rest] as const;
    };
    return [
      ...config.primaryKeys.map((key) => primaryKey({ name: key.getName(), columns: of(key.columns, own) })),
      ...config.foreignKeys.map((key) => {
        const { columns: from, foreignTable, foreignColumns } = key.reference();
        const target = built.get(foreignTable);
        if (!target) throw new Error(`${config.name} references ${getTableConfig(foreignTable).name}, which is not built for PostgreSQL`);
        const reference = foreignKey({ name: key.getName(), columns: of(from, own), foreignColumns: of(foreignColumns, getTableColumns(target)) });
        return key.onDelete ? reference.onDelete(key.onDelete) : reference;
      }),
      ...config.indexes.map(({ config: declared }) => {
        const on = (declared.unique ? uniqueIndex : index)(declared.name).on(...indexed(declared.columns));
        return declared.where ? on.where(declared.where) : on;
      }),
      ...config.checks.map((rule) => check(rule.name, postgresChecks[rule.name] ?? rule.value)),
    ];
  };
  const result = pgTable(config.name, columns, keysAndIndexes);
  built.set(table, result);
  // Built from the table's runtime description, the columns cannot carry their types through: this names them.
  return result as PostgresTable<T>;
}

// Each table is exported on its own, under its SQLite name: drizzle-kit collects the tables a schema file exports.
export const articles = postgresTable(articlesTables.articles);
export const articleBodyStarts = postgresTable(articlesTables.articleBodyStarts);
export const articlePeople = postgresTable(articlesTables.articlePeople);
export const articleOrganisations = postgresTable(articlesTables.articleOrganisations);
export const articleMeetings = postgresTable(articlesTables.articleMeetings);
export const meetings = postgresTable(meetingsTables.meetings);
export const meetingParticipants = postgresTable(meetingsTables.meetingParticipants);
export const meetingOrganisations = postgresTable(meetingsTables.meetingOrganisations);
export const organisations = postgresTable(organisationsTables.organisations);
export const people = postgresTable(peopleTables.people);
export const affiliations = postgresTable(peopleTables.affiliations);
export const mentions = postgresTable(factsTables.mentions);
export const provenance = postgresTable(factsTables.provenance);
export const nameFormsRevision = postgresTable(factsTables.nameFormsRevision);
export const relinkJobs = postgresTable(factsTables.relinkJobs);
export const articlesToRelink = postgresTable(factsTables.articlesToRelink);
export const idempotencyKeys = postgresTable(idempotencyTables.idempotencyKeys);
export const revisions = postgresTable(revisionsTables.revisions);
export const changes = postgresTable(changesTables.changes);
export const scheduledPublications = postgresTable(changesTables.scheduledPublications);
export const webhooks = postgresTable(webhooksTables.webhooks);
export const webhookDeliveries = postgresTable(webhooksTables.webhookDeliveries);
export const trash = postgresTable(trashTables.trash);
export const searchDocuments = postgresTable(searchTables.searchDocuments);
