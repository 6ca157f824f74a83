/**
 * The run state of a reserves period, `<out>/run.db` (SQLite, mode 0600, PRIVATE): the plan that
 * makes a rerun resume instead of starting over (the fingerprint of the inputs, the period header,
 * the root, and every client with its salt, in tree order). Written in one transaction before
 * anything is proved, so a crash leaves either no plan or the whole plan.
 *
 * The proofs stay files (`batch-<i>.json`, `final.json`: public, and the resume test of a batch is
 * its file holding the planned public signals); one run at a time holds `<out>/.lock` (lock.ts).
 * A folder of an older release holds `plan.json` instead: the first open reads it, writes run.db in
 * one transaction and renames the JSON file to `plan.json.bak`.
 *
 * Tables (schema version RUN_STATE_VERSION, bigints as decimal strings):
 *   plan    (id = 1, fingerprint, header (JSON: custodian, periodIndex, epoch, assets, weights, reserves), root, note, created_at)
 *   clients (idx PRIMARY KEY: tree order, id, salt, assets (JSON array of 16), liabilities (JSON array of 16))
 */
import { existsSync, renameSync } from "node:fs";
import { readJsonFile } from "../fs/json.js";
import { backupPath, openDatabase, transaction, type DatabaseSchema, type DatabaseSync } from "../fs/sqlite.js";
import { FORMAT_VERSION, PLAN_KIND, periodFiles, type PeriodHeaderJson, type PlanFileJson } from "./files.js";

/** Schema version of run.db. */
export const RUN_STATE_VERSION = 1;
/** The `schema_version.kind` of run.db. */
export const RUN_STATE_KIND = "plimsoll.reserves.run";

const SCHEMA: DatabaseSchema = {
  kind: RUN_STATE_KIND,
  version: RUN_STATE_VERSION,
  create(db) {
    db.exec(`
      CREATE TABLE plan (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        fingerprint TEXT NOT NULL,
        header TEXT NOT NULL,
        root TEXT NOT NULL,
        note TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE TABLE clients (
        idx INTEGER PRIMARY KEY,
        id TEXT NOT NULL,
        salt TEXT NOT NULL,
        assets TEXT NOT NULL,
        liabilities TEXT NOT NULL
      );`);
  },
};

/** Replaces the stored plan with `file` (inside a transaction). */
function insertPlan(db: DatabaseSync, file: PlanFileJson): void {
  const { kind: _kind, version: _version, note, fingerprint, root, clients, ...header } = file;
  db.exec("DELETE FROM clients; DELETE FROM plan;");
  db.prepare("INSERT INTO plan (id, fingerprint, header, root, note, created_at) VALUES (1, ?, ?, ?, ?, ?)").run(fingerprint, JSON.stringify(header), root, note, new Date().toISOString());
  const insert = db.prepare("INSERT INTO clients (idx, id, salt, assets, liabilities) VALUES (?, ?, ?, ?, ?)");
  clients.forEach(([id, salt, assets, liabilities], i) => insert.run(i, id, salt, JSON.stringify(assets), JSON.stringify(liabilities)));
}

/** A plan.json of an older release, checked enough to be stored (planFromFile checks the rest). */
function readLegacyPlan(file: string): PlanFileJson {
  const doc = readJsonFile(file, "plan") as PlanFileJson;
  if (doc?.kind !== PLAN_KIND || doc.version !== FORMAT_VERSION || typeof doc.fingerprint !== "string" || typeof doc.root !== "string" || !Array.isArray(doc.clients)) {
    throw new TypeError(`${file} is not a version ${FORMAT_VERSION} reserves plan`);
  }
  doc.clients.forEach((c, i) => {
    if (!Array.isArray(c) || typeof c[0] !== "string" || typeof c[1] !== "string" || !Array.isArray(c[2]) || !Array.isArray(c[3])) throw new TypeError(`${file}.clients[${i}] is not [id, salt, assets, liabilities]`);
  });
  return doc;
}

/**
 * Opens `<out>/run.db`, creating it unless `mustExist`; migrates `<out>/plan.json` of an older
 * release into a new database (one transaction) and renames it to `plan.json.bak`. Returns
 * undefined when `mustExist` and there is neither.
 */
function openRunState(out: string, mustExist: boolean): DatabaseSync | undefined {
  const path = periodFiles.run(out);
  const legacy = existsSync(periodFiles.plan(out)) ? periodFiles.plan(out) : undefined;
  if (mustExist && legacy === undefined && !existsSync(path)) return undefined;
  const db = openDatabase(path, SCHEMA, { seed: legacy === undefined ? undefined : (d) => insertPlan(d, readLegacyPlan(legacy)) });
  if (legacy !== undefined) renameSync(legacy, backupPath(legacy));
  return db;
}

/**
 * The plan stored in `<out>/run.db` (or in the `plan.json` of an older release, migrated first),
 * in plan.json's form; undefined when the folder holds none. Rebuild it with `planFromFile`.
 * @throws SchemaVersionError for a run.db of another kind or a newer schema version.
 */
export function readStoredPlan(out: string): PlanFileJson | undefined {
  const db = openRunState(out, true);
  if (db === undefined) return undefined;
  try {
    const p = db.prepare("SELECT fingerprint, header, root, note FROM plan WHERE id = 1").get() as { fingerprint: string; header: string; root: string; note: string } | undefined;
    if (p === undefined) return undefined;
    const path = periodFiles.run(out);
    let header: PeriodHeaderJson;
    try {
      header = JSON.parse(p.header) as PeriodHeaderJson;
    } catch {
      throw new TypeError(`${path}: plan.header is not JSON`);
    }
    const rows = db.prepare("SELECT idx, id, salt, assets, liabilities FROM clients ORDER BY idx").all() as { idx: number; id: string; salt: string; assets: string; liabilities: string }[];
    const clients = rows.map((r, i): [string, string, string[], string[]] => {
      try {
        if (r.idx !== i) throw new Error("gap");
        return [r.id, r.salt, JSON.parse(r.assets) as string[], JSON.parse(r.liabilities) as string[]];
      } catch {
        throw new TypeError(`${path}: clients row ${i} is damaged`);
      }
    });
    return { kind: PLAN_KIND, version: FORMAT_VERSION, note: p.note, fingerprint: p.fingerprint, ...header, root: p.root, clients };
  } finally {
    db.close();
  }
}

/** Stores `file` as the plan of `<out>` (run.db, created if absent, mode 0600), replacing any other, in one transaction. */
export function writeStoredPlan(out: string, file: PlanFileJson): void {
  const db = openRunState(out, false)!;
  try {
    transaction(db, () => insertPlan(db, file));
  } finally {
    db.close();
  }
}
