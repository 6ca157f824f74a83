/**
 * SQLite state files: the one way the library keeps state that a crash must never leave half
 * written (the keeper daemon's state, a reserves run's plan). Built on `node:sqlite` (in Node 22,
 * no native build, no download at install time).
 *
 * Every database is opened the same way: file mode 0600 (it is private, and SQLite gives its
 * `-wal` and `-shm` files the database's mode), WAL journal, `synchronous = FULL` (a committed
 * transaction survives a crash of the process or the machine), a busy timeout, and a
 * `schema_version` table naming what the database holds and its schema version. A database of
 * another kind, of a newer schema version than this code knows, or a file that is not SQLite is
 * refused with an error naming the file.
 *
 * Writes go through `transaction()` (BEGIN IMMEDIATE ... COMMIT, ROLLBACK on any error): readers
 * see the state before or after it, never a mix, also after a SIGKILL in the middle of it.
 */
import { chmodSync, closeSync, existsSync, openSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import type { DatabaseSync } from "node:sqlite";

export type { DatabaseSync } from "node:sqlite";

type SqliteModule = typeof import("node:sqlite");
let sqlite: SqliteModule | undefined;

/** True for the one warning `node:sqlite` emits when first loaded ("SQLite is an experimental feature..."). */
function isSqliteExperimentalWarning(warning: unknown, rest: unknown[]): boolean {
  const first = rest[0];
  const type = warning instanceof Error ? warning.name : typeof first === "string" ? first : (first as { type?: unknown } | undefined)?.type;
  const message = warning instanceof Error ? warning.message : String(warning);
  return type === "ExperimentalWarning" && /^SQLite is an experimental feature/.test(message);
}

/**
 * `node:sqlite`, loaded on first use with its ExperimentalWarning left out (CLI users would see it
 * on every command); every other warning is emitted as usual.
 */
export function loadSqlite(): SqliteModule {
  if (sqlite !== undefined) return sqlite;
  const emitWarning = process.emitWarning;
  process.emitWarning = function (this: NodeJS.Process, warning: string | Error, ...rest: unknown[]): void {
    if (isSqliteExperimentalWarning(warning, rest)) return;
    return (emitWarning as (...a: unknown[]) => void).call(this, warning, ...rest);
  } as typeof process.emitWarning;
  try {
    sqlite = createRequire(import.meta.url)("node:sqlite") as SqliteModule;
  } finally {
    process.emitWarning = emitWarning;
  }
  return sqlite;
}

/** A database whose schema this code cannot read: another kind, or a newer or unknown version. */
export class SchemaVersionError extends Error {}

/** How `openDatabase` opens, creates or upgrades one kind of database. */
export interface DatabaseSchema {
  /** What the database holds, e.g. `plimsoll.keeper-state`: a database of another kind is refused. */
  kind: string;
  /** The schema version this code writes (an integer >= 1). */
  version: number;
  /** Creates the tables of `version` (inside the transaction that creates the database). */
  create: (db: DatabaseSync) => void;
  /** Upgrades a database of an older `from` version to `version` (inside one transaction). Without it an older version is refused. */
  upgrade?: (db: DatabaseSync, from: number) => void;
}

/** Options of `openDatabase`. */
export interface OpenDatabaseOptions {
  /** Refuse a missing file instead of creating it (default false). */
  mustExist?: boolean;
  /** Run in the transaction that creates a new database, after `schema.create` (a migration from an older format fills it here). */
  seed?: (db: DatabaseSync) => void;
}

/** Runs `fn` in one write transaction (BEGIN IMMEDIATE): committed when it returns, rolled back when it throws. */
export function transaction<T>(db: DatabaseSync, fn: () => T): T {
  db.exec("BEGIN IMMEDIATE");
  let result: T;
  try {
    result = fn();
  } catch (err) {
    if (db.isTransaction) db.exec("ROLLBACK");
    throw err;
  }
  db.exec("COMMIT");
  return result;
}

/** Creates `path` empty with mode 0600 if absent, and sets 0600 on an existing file. */
function privateFile(path: string): void {
  if (!existsSync(path)) closeSync(openSync(path, "a", 0o600));
  if ((statSync(path).mode & 0o777) !== 0o600) chmodSync(path, 0o600);
}

/**
 * Opens (or creates) the SQLite database at `path` for `schema`: mode 0600, WAL, synchronous FULL,
 * a 5 s busy timeout, foreign keys on. A new database gets `schema_version` and `schema.create`
 * (and `options.seed`) in one transaction; an older one is upgraded in one transaction.
 * @throws SchemaVersionError for another kind, a newer or unknown schema version, or an older one
 *   with no upgrade; Error naming the file when it is missing (`mustExist`) or not SQLite.
 */
export function openDatabase(path: string, schema: DatabaseSchema, options: OpenDatabaseOptions = {}): DatabaseSync {
  if (options.mustExist === true && !existsSync(path)) throw new Error(`${path}: no such database`);
  privateFile(path);
  const { DatabaseSync } = loadSqlite();
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(path);
  } catch (err) {
    throw new Error(`${path}: cannot open the database (${(err as Error).message})`);
  }
  try {
    try {
      db.exec("PRAGMA busy_timeout = 5000");
      db.exec("PRAGMA journal_mode = WAL");
    } catch (err) {
      throw new Error(`${path}: not a SQLite database (${(err as Error).message})`);
    }
    db.exec("PRAGMA synchronous = FULL");
    db.exec("PRAGMA foreign_keys = ON");
    transaction(db, () => {
      const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((t) => t.name);
      if (tables.length === 0) {
        db.exec("CREATE TABLE schema_version (kind TEXT NOT NULL, version INTEGER NOT NULL)");
        db.prepare("INSERT INTO schema_version (kind, version) VALUES (?, ?)").run(schema.kind, schema.version);
        schema.create(db);
        options.seed?.(db);
        return;
      }
      if (!tables.includes("schema_version")) throw new SchemaVersionError(`${path}: not a ${schema.kind} database (it has no schema_version table)`);
      const rows = db.prepare("SELECT kind, version FROM schema_version").all() as { kind: unknown; version: unknown }[];
      if (rows.length !== 1) throw new SchemaVersionError(`${path}: schema_version holds ${rows.length} rows, expected 1 (damaged database?)`);
      const { kind, version } = rows[0]!;
      if (kind !== schema.kind) throw new SchemaVersionError(`${path}: a ${String(kind)} database, not a ${schema.kind} one`);
      if (typeof version !== "number" || !Number.isSafeInteger(version) || version < 1) throw new SchemaVersionError(`${path}: unknown schema version ${JSON.stringify(version)} (this plimsoll writes version ${schema.version})`);
      if (version > schema.version) {
        throw new SchemaVersionError(`${path}: schema version ${version} is newer than this plimsoll knows (it reads up to version ${schema.version}): upgrade plimsoll to open it`);
      }
      if (version < schema.version) {
        if (schema.upgrade === undefined) throw new SchemaVersionError(`${path}: schema version ${version} is older than ${schema.version} and this plimsoll cannot upgrade it`);
        schema.upgrade(db, version);
        db.prepare("UPDATE schema_version SET version = ?").run(schema.version);
      }
    });
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

/** The path a migrated file is kept under: `<file>.bak`, or `<file>.bak-<time>` when that exists. */
export function backupPath(file: string): string {
  const bak = `${file}.bak`;
  return existsSync(bak) ? `${bak}-${new Date().toISOString().replace(/[:.]/g, "-")}` : bak;
}
