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
import { decodeOpening as decode, encodeOpening as encode, type StoredAccount } from "./openingFile.js";

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
    const path = this.pathOf(key);
    if (!existsSync(path)) return undefined;
    const raw = JSON.parse(readFileSync(path, "utf8")) as StoredAccount;
    if (raw.version !== 1) throw new Error(`${path}: unsupported version ${String(raw.version)}`);
    const owner = BigInt(key.owner);
    const confirmed = decode(raw.confirmed, owner, `${path} confirmed`);
    if (raw.pending !== undefined) {
      const pending = decode(raw.pending, owner, `${path} pending`);
      if (pending.commitment === onchainCommitment) {
        this.save(key, pending.opening, pending.commitment);
        return pending.opening;
      }
      if (confirmed.commitment === onchainCommitment) {
        this.save(key, confirmed.opening, confirmed.commitment);
        return confirmed.opening;
      }
    }
    if (confirmed.commitment !== onchainCommitment) {
      throw new Error(`${path}: the stored opening (commitment ${confirmed.commitment}) does not match the chain's ${onchainCommitment}`);
    }
    return confirmed.opening;
  }

  /** The openings stored for `key` (the confirmed one, then the pending one if any), unreconciled. */
  stored(key: AccountKey): { opening: AccountOpening; commitment: bigint }[] {
    const path = this.pathOf(key);
    if (!existsSync(path)) return [];
    const raw = JSON.parse(readFileSync(path, "utf8")) as StoredAccount;
    if (raw.version !== 1) throw new Error(`${path}: unsupported version ${String(raw.version)}`);
    const owner = BigInt(key.owner);
    const out = [decode(raw.confirmed, owner, `${path} confirmed`)];
    if (raw.pending !== undefined) out.push(decode(raw.pending, owner, `${path} pending`));
    return out;
  }

  /** Records a confirmed opening, clearing any pending one. */
  save(key: AccountKey, opening: AccountOpening, commitment: bigint): void {
    const doc: StoredAccount = { version: 1, chainId: key.chainId.toString(), engine: key.engine, owner: key.owner, confirmed: encode(opening, commitment) };
    writeFileAtomic(this.pathOf(key), JSON.stringify(doc, null, 2), { mode: 0o600 });
  }

  /** Records `next` as pending beside the confirmed `current`, before its transaction is sent. */
  savePending(key: AccountKey, current: AccountOpening, currentCommitment: bigint, next: AccountOpening, nextCommitment: bigint, action: string): void {
    const doc: StoredAccount = {
      version: 1,
      chainId: key.chainId.toString(),
      engine: key.engine,
      owner: key.owner,
      confirmed: encode(current, currentCommitment),
      pending: { ...encode(next, nextCommitment), action, createdAt: new Date().toISOString() },
    };
    writeFileAtomic(this.pathOf(key), JSON.stringify(doc, null, 2), { mode: 0o600 });
  }
}
