/**
 * The keeper daemon's persistent state, `<stateDir>/keeper.db` (SQLite, mode 0600: it holds
 * openings): the last block processed, the last epoch evaluated, and every watched account's
 * commitment and opening. Saved in one transaction after every scanned range and every tick, so a
 * crash (even SIGKILL in the middle of a save) leaves the state of the last save.
 *
 * A state folder of an older release holds `keeper-state.json` instead: the first open reads it,
 * writes the database in one transaction and renames the JSON file to `keeper-state.json.bak`. A
 * crash between the two leaves both: the next open finds the database whole and only renames the
 * JSON file (the database wins). A damaged JSON file is named and nothing is written.
 *
 * Tables (schema version KEEPER_STATE_VERSION, bigints as decimal strings):
 *   keeper   (id = 1, chain_id, engine, keeper_id, last_block (NULL before the first tick), last_epoch_evaluated)
 *   accounts (address PRIMARY KEY, commitment, amounts (JSON array of 16, NULL when the note did
 *             not decrypt), blinding (NULL likewise), keeper_id, last_note_block)
 */
import { existsSync, readFileSync, renameSync } from "node:fs";
import { getAddress, isAddress } from "ethers";
import { N_ASSETS } from "../constants.js";
import { backupPath, openDatabase, transaction, type DatabaseSchema, type DatabaseSync } from "../fs/sqlite.js";

/** Schema version of keeper.db. */
export const KEEPER_STATE_VERSION = 1;
/** File name of the state database inside the state folder. */
export const KEEPER_STATE_FILE = "keeper.db";
/** File name of the JSON state of older releases (migrated on first open, then kept as `.bak`). */
export const KEEPER_LEGACY_STATE_FILE = "keeper-state.json";
/** The `schema_version.kind` of keeper.db. */
export const KEEPER_STATE_KIND = "plimsoll.keeper-state";

/** What the keeper knows of one account that names it. */
export interface WatchedAccount {
  /** The commitment of the last note (or liquidation remainder) seen. */
  commitment: bigint;
  /** Its opening; null when the note did not decrypt (the account is still watched for its lease). */
  opening: { amounts: bigint[]; blinding: bigint } | null;
  /** The keeper the account named in that note (this keeper). */
  keeperId: bigint;
  /** Block of that note. */
  lastNoteBlock: number;
}

/** The daemon's persistent state. */
export interface KeeperState {
  chainId: bigint;
  engine: string;
  keeperId: bigint;
  /** Last block fully processed; undefined before the first tick of a first start. */
  lastBlock: number | undefined;
  /** Last oracle epoch at which every watched account was evaluated (0: none). */
  lastEpochEvaluated: bigint;
  /** Watched accounts by checksummed address. */
  accounts: Map<string, WatchedAccount>;
}

const SCHEMA: DatabaseSchema = {
  kind: KEEPER_STATE_KIND,
  version: KEEPER_STATE_VERSION,
  create(db) {
    db.exec(`
      CREATE TABLE keeper (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        chain_id TEXT NOT NULL,
        engine TEXT NOT NULL,
        keeper_id TEXT NOT NULL,
        last_block INTEGER,
        last_epoch_evaluated TEXT NOT NULL
      );
      CREATE TABLE accounts (
        address TEXT PRIMARY KEY,
        commitment TEXT NOT NULL,
        amounts TEXT,
        blinding TEXT,
        keeper_id TEXT NOT NULL,
        last_note_block INTEGER NOT NULL
      );`);
  },
};

type AccountRow = { address: string; commitment: string; amounts: string | null; blinding: string | null; keeper_id: string; last_note_block: number };

function accountRow(address: string, a: WatchedAccount): AccountRow {
  return {
    address,
    commitment: a.commitment.toString(),
    amounts: a.opening === null ? null : JSON.stringify(a.opening.amounts.map(String)),
    blinding: a.opening === null ? null : a.opening.blinding.toString(),
    keeper_id: a.keeperId.toString(),
    last_note_block: a.lastNoteBlock,
  };
}

/** Field checks shared by the database and the legacy JSON reader: errors are `<file>: <field> <why>`. */
function checks(path: string) {
  const fail = (field: string, why: string): never => {
    throw new Error(`${path}: ${field} ${why}`);
  };
  return {
    fail,
    uint: (v: unknown, field: string): bigint => (typeof v === "string" && /^[0-9]+$/.test(v) ? BigInt(v) : fail(field, "is not a non-negative decimal integer string")),
    block: (v: unknown, field: string): number => (Number.isSafeInteger(v) && (v as number) >= -1 ? (v as number) : fail(field, "is not a block number")),
    address: (v: unknown, field: string): string => (typeof v === "string" && isAddress(v) ? getAddress(v) : fail(field, "is not an address")),
  };
}

/** The keeper state database at one path, kept open by a daemon. */
export class KeeperStateStore {
  /** Each account's row as last read or written, so that a save writes only what changed. */
  private written = new Map<string, string>();

  private constructor(
    readonly path: string,
    private readonly db: DatabaseSync,
    /** Where the migrated JSON state was kept, when this open migrated one. */
    readonly migrated: { from: string; backup: string } | undefined,
  ) {}

  /**
   * Opens the database at `path`, creating it when absent (unless `mustExist`). With `legacyJson`
   * (the `keeper-state.json` of an older release) present, a new database is filled from it in the
   * same transaction that creates it, and the JSON file is then renamed to `<file>.bak`.
   * @throws an error naming the file and the field when the database or the JSON file is damaged,
   *   SchemaVersionError for a database of another kind or a newer schema version.
   */
  static open(path: string, options: { legacyJson?: string; mustExist?: boolean } = {}): KeeperStateStore {
    const legacy = options.legacyJson !== undefined && existsSync(options.legacyJson) ? options.legacyJson : undefined;
    const db = openDatabase(path, SCHEMA, {
      mustExist: options.mustExist === true && legacy === undefined,
      seed: legacy === undefined ? undefined : (d) => writeState(d, readLegacyKeeperState(legacy), new Map()),
    });
    let migrated: { from: string; backup: string } | undefined;
    if (legacy !== undefined) {
      migrated = { from: legacy, backup: backupPath(legacy) };
      renameSync(legacy, migrated.backup);
    }
    return new KeeperStateStore(path, db, migrated);
  }

  /**
   * The stored state, or undefined when nothing was saved yet.
   * @throws an error naming the file and the field (`keeper.last_block`, `accounts[0x...].commitment`) of a damaged row.
   */
  load(): KeeperState | undefined {
    const k = this.db.prepare("SELECT chain_id, engine, keeper_id, last_block, last_epoch_evaluated FROM keeper WHERE id = 1").get() as
      | { chain_id: unknown; engine: unknown; keeper_id: unknown; last_block: unknown; last_epoch_evaluated: unknown }
      | undefined;
    if (k === undefined) return undefined;
    const { fail, uint, block, address } = checks(this.path);
    const accounts = new Map<string, WatchedAccount>();
    const written = new Map<string, string>();
    for (const a of this.db.prepare("SELECT address, commitment, amounts, blinding, keeper_id, last_note_block FROM accounts ORDER BY address").all() as Record<string, unknown>[]) {
      const where = `accounts[${String(a.address)}]`;
      const key = address(a.address, `${where}.address`);
      let opening: WatchedAccount["opening"] = null;
      if (a.amounts !== null || a.blinding !== null) {
        let amounts: unknown;
        try {
          amounts = JSON.parse(String(a.amounts));
        } catch {
          amounts = undefined;
        }
        if (!Array.isArray(amounts) || amounts.length !== N_ASSETS) fail(`${where}.amounts`, `is not a JSON array of ${N_ASSETS} amounts`);
        opening = { amounts: (amounts as unknown[]).map((x, i) => uint(x, `${where}.amounts[${i}]`)), blinding: uint(a.blinding, `${where}.blinding`) };
      }
      const account = { commitment: uint(a.commitment, `${where}.commitment`), opening, keeperId: uint(a.keeper_id, `${where}.keeper_id`), lastNoteBlock: block(a.last_note_block, `${where}.last_note_block`) };
      accounts.set(key, account);
      written.set(key, JSON.stringify(accountRow(key, account)));
    }
    const state: KeeperState = {
      chainId: uint(k.chain_id, "keeper.chain_id"),
      engine: address(k.engine, "keeper.engine"),
      keeperId: uint(k.keeper_id, "keeper.keeper_id"),
      lastBlock: k.last_block === null ? undefined : block(k.last_block, "keeper.last_block"),
      lastEpochEvaluated: uint(k.last_epoch_evaluated, "keeper.last_epoch_evaluated"),
      accounts,
    };
    this.written = written;
    return state;
  }

  /**
   * Saves `s` in one transaction (the accounts that changed since the last load or save, and the
   * rest of the state). `beforeCommit` runs inside the transaction once every row is written (the
   * crash test stops a writer there).
   */
  save(s: KeeperState, hooks: { beforeCommit?: () => void } = {}): void {
    const written = transaction(this.db, () => {
      const rows = writeState(this.db, s, this.written);
      hooks.beforeCommit?.();
      return rows;
    });
    this.written = written;
  }

  /** Closes the database (a later save throws). */
  close(): void {
    if (this.db.isOpen) this.db.close();
  }
}

/** Writes `s` (inside a transaction): the keeper row, the accounts whose row differs from `before`, and deletes the accounts gone. Returns the rows now stored. */
function writeState(db: DatabaseSync, s: KeeperState, before: ReadonlyMap<string, string>): Map<string, string> {
  db.prepare(
    `INSERT INTO keeper (id, chain_id, engine, keeper_id, last_block, last_epoch_evaluated) VALUES (1, ?, ?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET chain_id = excluded.chain_id, engine = excluded.engine, keeper_id = excluded.keeper_id,
       last_block = excluded.last_block, last_epoch_evaluated = excluded.last_epoch_evaluated`,
  ).run(s.chainId.toString(), s.engine, s.keeperId.toString(), s.lastBlock ?? null, s.lastEpochEvaluated.toString());
  const upsert = db.prepare(
    `INSERT OR REPLACE INTO accounts (address, commitment, amounts, blinding, keeper_id, last_note_block)
     VALUES (:address, :commitment, :amounts, :blinding, :keeper_id, :last_note_block)`,
  );
  const remove = db.prepare("DELETE FROM accounts WHERE address = ?");
  const now = new Map<string, string>();
  for (const [address, a] of s.accounts) {
    const row = accountRow(address, a);
    const text = JSON.stringify(row);
    now.set(address, text);
    if (before.get(address) !== text) upsert.run(row);
  }
  for (const address of before.keys()) if (!now.has(address)) remove.run(address);
  return now;
}

/**
 * Reads the state saved in the database at `path` (which must exist).
 * @throws an error naming the file and the field of a damaged row, or saying it holds no state yet.
 */
export function readKeeperState(path: string): KeeperState {
  const store = KeeperStateStore.open(path, { mustExist: true });
  try {
    const state = store.load();
    if (state === undefined) throw new Error(`${path}: holds no keeper state yet`);
    return state;
  } finally {
    store.close();
  }
}

/** Saves `s` to the database at `path` (created if absent) in one transaction. */
export function writeKeeperState(path: string, s: KeeperState): void {
  const store = KeeperStateStore.open(path);
  try {
    store.load();
    store.save(s);
  } finally {
    store.close();
  }
}

/** The JSON state file of older releases (`keeper-state.json`, version 1); errors name the file and the field. */
export function readLegacyKeeperState(path: string): KeeperState {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new Error(`${path}: not a readable JSON file (${(err as Error).message})`);
  }
  const { fail, uint, block, address } = checks(path);
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) fail("the document", "is not a JSON object");
  const doc = raw as Record<string, unknown> & { accounts?: unknown };
  if (doc.version !== 1) fail("version", `is ${JSON.stringify(doc.version)}, expected 1`);
  if (typeof doc.accounts !== "object" || doc.accounts === null || Array.isArray(doc.accounts)) fail("accounts", "is not an object");
  const accounts = new Map<string, WatchedAccount>();
  for (const [key, a] of Object.entries(doc.accounts as Record<string, Record<string, unknown> | null>)) {
    const where = `accounts.${key}`;
    const checked = address(key, where);
    if (typeof a !== "object" || a === null) fail(where, "is not an object");
    const o = a!.opening as { amounts?: unknown; blinding?: unknown } | null;
    let opening: WatchedAccount["opening"] = null;
    if (o !== null) {
      if (typeof o !== "object" || !Array.isArray(o.amounts) || o.amounts.length !== N_ASSETS) fail(`${where}.opening.amounts`, `is not an array of ${N_ASSETS} amounts`);
      opening = { amounts: (o.amounts as unknown[]).map((x, i) => uint(x, `${where}.opening.amounts[${i}]`)), blinding: uint(o.blinding, `${where}.opening.blinding`) };
    }
    accounts.set(checked, { commitment: uint(a!.commitment, `${where}.commitment`), opening, keeperId: uint(a!.keeperId, `${where}.keeperId`), lastNoteBlock: block(a!.lastNoteBlock, `${where}.lastNoteBlock`) });
  }
  return {
    chainId: uint(doc.chainId, "chainId"),
    engine: address(doc.engine, "engine"),
    keeperId: uint(doc.keeperId, "keeperId"),
    lastBlock: doc.lastBlock === null ? undefined : block(doc.lastBlock, "lastBlock"),
    lastEpochEvaluated: uint(doc.lastEpochEvaluated, "lastEpochEvaluated"),
    accounts,
  };
}
