/**
 * The wallet's local store: one JSON file per (chain, pool, wallet), written atomically (temporary
 * file, fsync, rename: prover/src/fs/atomic.ts), so a crash leaves the old file or the new one,
 * never a mix. It refuses to clobber: a save must name the generation it loaded, and fails with a
 * NoteStoreConflictError if another writer (another process, an older copy of the wallet) has saved
 * since; creating a store fails if the file exists. A lock file around the check and the rename
 * closes the race between two processes.
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { writeFileAtomic } from "../fs/atomic.js";
import { processAlive, lockHolder, removeLockFile, tryLockFile } from "../fs/lock.js";

/** One own note as stored. */
export interface StoredNote {
  slot: number;
  amount: string;
  blinding: string;
  leafIndex: number;
  commitment: string;
  nullifier: string;
  spent: boolean;
  /** Block of the NoteQueued event. */
  block: number;
}

/** The stored state of a wallet. */
export interface WalletFile {
  version: 1;
  /** Incremented by every save. */
  generation: number;
  chainId: string;
  pool: string;
  /** The wallet's owner key (a store never mixes two wallets). */
  ownerKey: string;
  /** Last block scanned. */
  lastBlock: number;
  /** Every queued commitment of the pool: [leafIndex, commitment] (the tree is rebuilt from them). */
  queued: [number, string][];
  /** Inserted batches, in order: leaf count and the root after each. */
  batches: { count: number; root: string }[];
  /** The wallet's own notes. */
  notes: StoredNote[];
}

/** Raised when a save would overwrite a store written by someone else since it was loaded. */
export class NoteStoreConflictError extends Error {
  override name = "NoteStoreConflictError";
}

/** Reads a wallet file (throws naming the file when it is malformed). */
export function readWalletFile(path: string): WalletFile {
  let doc: WalletFile;
  try {
    doc = JSON.parse(readFileSync(path, "utf8")) as WalletFile;
  } catch (err) {
    throw new Error(`${path}: not a readable wallet file (${(err as Error).message})`);
  }
  if (doc?.version !== 1 || !Number.isInteger(doc.generation) || !Array.isArray(doc.queued) || !Array.isArray(doc.notes) || !Array.isArray(doc.batches)) {
    throw new Error(`${path}: not a version-1 wallet file`);
  }
  return doc;
}

function withLock<T>(path: string, fn: () => T): T {
  const lock = `${path}.lock`;
  if (!tryLockFile(lock)) {
    const pid = lockHolder(lock);
    if (Number.isNaN(pid) || processAlive(pid)) throw new NoteStoreConflictError(`${path} is locked by process ${pid}`);
    removeLockFile(lock); // stale: its process died
    if (!tryLockFile(lock)) throw new NoteStoreConflictError(`${path} is locked`);
  }
  try {
    return fn();
  } finally {
    removeLockFile(lock);
  }
}

/**
 * Saves `doc` over the file of generation `expected` (undefined: create, refusing an existing file),
 * as generation `expected + 1` (or 1). Returns the new generation.
 * @throws NoteStoreConflictError when the file on disk is not generation `expected`.
 */
export function writeWalletFile(path: string, doc: Omit<WalletFile, "generation">, expected: number | undefined): number {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 }); // the lock file needs the folder first
  return withLock(path, () => {
    if (expected === undefined) {
      if (existsSync(path)) throw new NoteStoreConflictError(`${path} exists: refusing to overwrite another wallet store`);
    } else {
      const onDisk = existsSync(path) ? readWalletFile(path).generation : undefined;
      if (onDisk !== expected) throw new NoteStoreConflictError(`${path} is at generation ${onDisk ?? "none"}, this wallet loaded ${expected}: another writer saved since; reload`);
    }
    const generation = (expected ?? 0) + 1;
    writeFileAtomic(path, `${JSON.stringify({ ...doc, generation }, null, 1)}\n`, { mode: 0o600, noClobber: expected === undefined });
    return generation;
  });
}
