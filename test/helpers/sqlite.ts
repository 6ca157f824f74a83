/** Raw SQL on a state database file (what a user with the sqlite3 shell, or damage, would do): the state tests' view from outside. */
import { loadSqlite } from "../../prover/src/fs/index.js";

/** Runs `query` on the database at `path` in a connection of its own; returns its rows. */
export function sql<T = unknown>(path: string, query: string): T[] {
  const db = new (loadSqlite().DatabaseSync)(path);
  try {
    return db.prepare(query).all() as T[];
  } finally {
    db.close();
  }
}
