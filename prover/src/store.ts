/**
 * Local storage of account openings. The chain holds only a commitment; losing the opening
 * (amounts and blinding) would lock the trader out, so every write is atomic and an update
 * is recorded as *pending* before its transaction is sent. On the next load the pending
 * opening is promoted if the chain shows its commitment, and dropped if it shows the old one.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { AccountOpening } from "./account.js";
import { writeFileAtomic } from "./fs/atomic.js";
import { confirmedFile, parseAccountFile, pendingFile, reconcileOpening, storedOpenings, type StoredAccount } from "./openingFile.js";

/** Identifies one account: the chain, the engine contract and the owner address. */
export interface AccountKey {
  chainId: bigint;
  engine: string;
  owner: string;
}

/** File-backed store of openings, one JSON file per account under `dir`. */
export class OpeningStore {
  constructor(readonly dir: string) {}

  /** Path of the file that holds `key`'s opening. */
  pathOf(key: AccountKey): string {
    return join(this.dir, key.chainId.toString(), key.engine.toLowerCase(), `${key.owner.toLowerCase()}.json`);
  }

  /** True when an opening is stored for `key`. */
  has(key: AccountKey): boolean {
    return existsSync(this.pathOf(key));
  }

  /**
   * Loads the opening whose commitment the chain holds (`onchainCommitment`), reconciling a
   * pending update. Returns undefined when nothing is stored.
   * @throws when neither the confirmed nor the pending opening matches the chain.
   */
  load(key: AccountKey, onchainCommitment: bigint): AccountOpening | undefined {
    const raw = this.read(key);
    if (raw === undefined) return undefined;
    const r = reconcileOpening(raw, BigInt(key.owner), onchainCommitment, this.pathOf(key));
    if (r.rewrite) this.save(key, r.opening, r.commitment);
    return r.opening;
  }

  /** The openings stored for `key` (the confirmed one, then the pending one if any), unreconciled. */
  stored(key: AccountKey): { opening: AccountOpening; commitment: bigint }[] {
    const raw = this.read(key);
    return raw === undefined ? [] : storedOpenings(raw, BigInt(key.owner), this.pathOf(key));
  }

  /** Records a confirmed opening, clearing any pending one. */
  save(key: AccountKey, opening: AccountOpening, commitment: bigint): void {
    this.write(key, confirmedFile(key, opening, commitment));
  }

  /** Records `next` as pending beside the confirmed `current`, before its transaction is sent. */
  savePending(key: AccountKey, current: AccountOpening, currentCommitment: bigint, next: AccountOpening, nextCommitment: bigint, action: string): void {
    this.write(key, pendingFile(key, current, currentCommitment, next, nextCommitment, action));
  }

  private read(key: AccountKey): StoredAccount | undefined {
    const path = this.pathOf(key);
    return existsSync(path) ? parseAccountFile(readFileSync(path, "utf8"), path) : undefined;
  }

  private write(key: AccountKey, doc: StoredAccount): void {
    writeFileAtomic(this.pathOf(key), JSON.stringify(doc, null, 2), { mode: 0o600 });
  }
}
