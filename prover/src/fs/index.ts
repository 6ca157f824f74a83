/** Files: atomic writes, JSON with bigints, lock files, SQLite state databases. */
export { writeFileAtomic, type AtomicWriteOptions } from "./atomic.js";
export { readJsonFile, stringify, writeJsonAtomic } from "./json.js";
export { lockHolder, processAlive, removeLockFile, tryLockFile } from "./lock.js";
export { backupPath, loadSqlite, openDatabase, SchemaVersionError, transaction, type DatabaseSchema, type DatabaseSync, type OpenDatabaseOptions } from "./sqlite.js";
