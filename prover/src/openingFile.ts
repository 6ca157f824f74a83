/**
 * The opening file's format (version 1), with no I/O: shared by the file-backed `OpeningStore`
 * (prover/src/store.ts) and the browser's localStorage store (web/src/store.ts), so that an opening
 * exported from one imports into the other byte for byte.
 */
import { N_ASSETS } from "./constants.js";
import type { AccountOpening } from "./account.js";

/** One opening with the commitment it hashes to, every integer a decimal string. */
export interface StoredOpening {
  amounts: string[];
  blinding: string;
  commitment: string;
}

/** An account's file: the confirmed opening and, while a transaction is in flight, the pending one. */
export interface StoredAccount {
  version: 1;
  chainId: string;
  engine: string;
  owner: string;
  confirmed: StoredOpening;
  pending?: StoredOpening & { action: string; createdAt: string };
}

export function encodeOpening(o: AccountOpening, commitment: bigint): StoredOpening {
  return { amounts: o.amounts.map(String), blinding: o.blinding.toString(), commitment: commitment.toString() };
}

/** Parses a stored opening of `owner`; errors name `where` and the field. */
export function decodeOpening(s: StoredOpening, owner: bigint, where: string): { opening: AccountOpening; commitment: bigint } {
  if (typeof s !== "object" || s === null) throw new Error(`${where} is missing`);
  if (!Array.isArray(s.amounts) || s.amounts.length !== N_ASSETS) throw new Error(`${where}.amounts must have ${N_ASSETS} entries`);
  const parse = (v: unknown, field: string): bigint => {
    if (typeof v !== "string" || !/^[0-9]+$/.test(v)) throw new Error(`${where}.${field} is not a non-negative integer string`);
    return BigInt(v);
  };
  return {
    opening: { owner, amounts: s.amounts.map((a, i) => parse(a, `amounts[${i}]`)), blinding: parse(s.blinding, "blinding") },
    commitment: parse(s.commitment, "commitment"),
  };
}

/** The account the file is for (as `AccountKey` of prover/src/store.ts). */
interface FileKey {
  chainId: bigint;
  engine: string;
  owner: string;
}

/** Parses an account file's text, refusing another version; errors name `where`. */
export function parseAccountFile(text: string, where: string): StoredAccount {
  const raw = JSON.parse(text) as StoredAccount;
  if (raw.version !== 1) throw new Error(`${where}: unsupported version ${String(raw.version)}`);
  return raw;
}

/** The stored openings (the confirmed one, then the pending one if any), unreconciled. */
export function storedOpenings(raw: StoredAccount, owner: bigint, where: string): { opening: AccountOpening; commitment: bigint }[] {
  const out = [decodeOpening(raw.confirmed, owner, `${where} confirmed`)];
  if (raw.pending !== undefined) out.push(decodeOpening(raw.pending, owner, `${where} pending`));
  return out;
}

/**
 * The stored opening whose commitment the chain holds, reconciling a pending update: the pending one
 * when the chain shows it, else the confirmed one. `rewrite` is true when a pending record was resolved
 * (the caller saves the result as confirmed).
 * @throws when neither matches the chain.
 */
export function reconcileOpening(raw: StoredAccount, owner: bigint, onchain: bigint, where: string): { opening: AccountOpening; commitment: bigint; rewrite: boolean } {
  const [confirmed, pending] = storedOpenings(raw, owner, where);
  if (pending !== undefined) {
    if (pending.commitment === onchain) return { ...pending, rewrite: true };
    if (confirmed!.commitment === onchain) return { ...confirmed!, rewrite: true };
  }
  if (confirmed!.commitment !== onchain) {
    throw new Error(`${where}: the stored opening (commitment ${confirmed!.commitment}) does not match the chain's ${onchain}`);
  }
  return { ...confirmed!, rewrite: false };
}

/** The file of a confirmed opening. */
export function confirmedFile(key: FileKey, opening: AccountOpening, commitment: bigint): StoredAccount {
  return { version: 1, chainId: key.chainId.toString(), engine: key.engine, owner: key.owner, confirmed: encodeOpening(opening, commitment) };
}

/** The file of `current` (confirmed) with `next` pending, written before `next`'s transaction is sent. */
export function pendingFile(key: FileKey, current: AccountOpening, currentCommitment: bigint, next: AccountOpening, nextCommitment: bigint, action: string): StoredAccount {
  return { ...confirmedFile(key, current, currentCommitment), pending: { ...encodeOpening(next, nextCommitment), action, createdAt: new Date().toISOString() } };
}
