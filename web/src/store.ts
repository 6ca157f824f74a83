/**
 * The browser's opening store: the same records as the library's file-backed `OpeningStore`
 * (prover/src/store.ts, version 1: confirmed opening, optional pending one), one localStorage entry
 * per account. `Trader` calls it through the same methods, so the pending-then-confirmed protocol is
 * the library's. An entry exports to, and imports from, the CLI's opening file byte for byte
 * (`.plimsoll/openings/<chain>/<engine>/<owner>.json`).
 */
import type { AccountKey, AccountOpening } from "./lib.js";
import { decodeOpening as decode, encodeOpening as encode, type StoredAccount } from "../../prover/src/openingFile.js";

export type { StoredAccount };

const PREFIX = "plimsoll.opening";

/** A key/value backend (window.localStorage, or a Map in tests). */
export interface KeyValue {
  getItem(k: string): string | null;
  setItem(k: string, v: string): void;
  removeItem(k: string): void;
}

/**
 * localStorage-backed store with the library's OpeningStore methods. `world` (the hash of the
 * deployment's first block) keeps the openings of one development chain apart from those of an earlier
 * one at the same addresses (a restarted hardhat node deploys to the same addresses).
 */
export class BrowserOpeningStore {
  readonly dir = "browser localStorage";
  constructor(private readonly kv: KeyValue = window.localStorage, private readonly world = "") {}

  /** The storage key of `key`'s record (the CLI's relative file path, under a prefix). */
  pathOf(key: AccountKey): string {
    return `${PREFIX}/${this.world === "" ? "" : `${this.world}/`}${key.chainId.toString()}/${key.engine.toLowerCase()}/${key.owner.toLowerCase()}.json`;
  }

  has(key: AccountKey): boolean {
    return this.kv.getItem(this.pathOf(key)) !== null;
  }

  private read(key: AccountKey): StoredAccount | undefined {
    const text = this.kv.getItem(this.pathOf(key));
    if (text === null) return undefined;
    const raw = JSON.parse(text) as StoredAccount;
    if (raw.version !== 1) throw new Error(`${this.pathOf(key)}: unsupported version ${String(raw.version)}`);
    return raw;
  }

  load(key: AccountKey, onchainCommitment: bigint): AccountOpening | undefined {
    const raw = this.read(key);
    if (raw === undefined) return undefined;
    const owner = BigInt(key.owner);
    const where = "the stored opening";
    const confirmed = decode(raw.confirmed, owner, `${where} confirmed`);
    if (raw.pending !== undefined) {
      const pending = decode(raw.pending, owner, `${where} pending`);
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
      throw new Error(`the stored opening (commitment ${confirmed.commitment}) does not match the chain's ${onchainCommitment}`);
    }
    return confirmed.opening;
  }

  stored(key: AccountKey): { opening: AccountOpening; commitment: bigint }[] {
    const raw = this.read(key);
    if (raw === undefined) return [];
    const owner = BigInt(key.owner);
    const out = [decode(raw.confirmed, owner, "confirmed")];
    if (raw.pending !== undefined) out.push(decode(raw.pending, owner, "pending"));
    return out;
  }

  save(key: AccountKey, opening: AccountOpening, commitment: bigint): void {
    const doc: StoredAccount = { version: 1, chainId: key.chainId.toString(), engine: key.engine, owner: key.owner, confirmed: encode(opening, commitment) };
    this.kv.setItem(this.pathOf(key), JSON.stringify(doc, null, 2));
  }

  savePending(key: AccountKey, current: AccountOpening, currentCommitment: bigint, next: AccountOpening, nextCommitment: bigint, action: string): void {
    const doc: StoredAccount = {
      version: 1,
      chainId: key.chainId.toString(),
      engine: key.engine,
      owner: key.owner,
      confirmed: encode(current, currentCommitment),
      pending: { ...encode(next, nextCommitment), action, createdAt: new Date().toISOString() },
    };
    this.kv.setItem(this.pathOf(key), JSON.stringify(doc, null, 2));
  }

  /** The CLI opening file of `key` (what `exportFile` downloads), or undefined. */
  exportText(key: AccountKey): string | undefined {
    return this.kv.getItem(this.pathOf(key)) ?? undefined;
  }

  /**
   * Imports a CLI opening file for `key`: it must be version 1, of this chain, engine and owner,
   * with well-formed openings. Errors name the field.
   */
  importText(key: AccountKey, text: string): void {
    let raw: StoredAccount;
    try {
      raw = JSON.parse(text) as StoredAccount;
    } catch {
      throw new Error("opening file: not JSON");
    }
    if (raw?.version !== 1) throw new Error("opening file: version must be 1");
    if (raw.chainId !== key.chainId.toString()) throw new Error(`opening file: chainId ${String(raw.chainId)} is not this chain's ${key.chainId}`);
    if (typeof raw.engine !== "string" || raw.engine.toLowerCase() !== key.engine.toLowerCase()) throw new Error(`opening file: engine ${String(raw.engine)} is not this deployment's ${key.engine}`);
    if (typeof raw.owner !== "string" || raw.owner.toLowerCase() !== key.owner.toLowerCase()) throw new Error(`opening file: owner ${String(raw.owner)} is not the connected account ${key.owner}`);
    const owner = BigInt(key.owner);
    decode(raw.confirmed, owner, "opening file: confirmed");
    if (raw.pending !== undefined) decode(raw.pending, owner, "opening file: pending");
    this.kv.setItem(this.pathOf(key), JSON.stringify(raw, null, 2));
  }
}
