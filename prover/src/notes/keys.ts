/**
 * Note keys. A wallet holds two independent secrets:
 *
 *   spendingSecret s  (field element): ownerKey = Poseidon(s) goes into every note it owns, and only
 *                      s computes a note's nullifier, so only s spends;
 *   viewingSecret v   (Baby Jubjub scalar in [1, SUB_ORDER)): viewingKey = v * Base8. Senders encrypt
 *                      each new note's opening to viewingKey (ECDH), so v finds and reads the notes
 *                      addressed to the wallet, and nothing else: it cannot spend, nor see spends.
 *
 * A shielded address is (ownerKey, viewingKey). Both secrets derive from one seed with SHA-512 under
 * distinct labels (reduced mod p and mod SUB_ORDER - 1: bias below 2^-250).
 */
import { createHash, randomBytes } from "node:crypto";
import { BASE8, SUB_ORDER, type BabyJub, type Point } from "../babyjub.js";
import { FIELD_MODULUS } from "../constants.js";
import type { SyncPoseidon } from "../poseidon.js";
import { NoteInputError, fieldElement, ownerKeyOf } from "./note.js";

/** Where a sender sends notes: the owner key and the viewing key. */
export interface ShieldedAddress {
  ownerKey: bigint;
  viewingKey: Point;
}

/** A wallet's keys. */
export interface NoteKeys extends ShieldedAddress {
  spendingSecret: bigint;
  viewingSecret: bigint;
}

function labelled(label: string, seed: Uint8Array): bigint {
  return BigInt(`0x${createHash("sha512").update(label).update(seed).digest("hex")}`);
}

/** Derives a wallet's keys from a seed of at least 32 bytes. */
export function deriveNoteKeys(h: SyncPoseidon, bj: BabyJub, seed: Uint8Array): NoteKeys {
  if (!(seed instanceof Uint8Array) || seed.length < 32) throw new NoteInputError("seed", "must be at least 32 bytes");
  const spendingSecret = labelled("plimsoll.notes.spend", seed) % FIELD_MODULUS;
  const viewingSecret = (labelled("plimsoll.notes.view", seed) % (SUB_ORDER - 1n)) + 1n;
  return keysFromSecrets(h, bj, spendingSecret, viewingSecret);
}

/** The keys of two given secrets. */
export function keysFromSecrets(h: SyncPoseidon, bj: BabyJub, spendingSecret: bigint, viewingSecret: bigint): NoteKeys {
  fieldElement(spendingSecret, "spendingSecret");
  if (typeof viewingSecret !== "bigint" || viewingSecret <= 0n || viewingSecret >= SUB_ORDER) throw new NoteInputError("viewingSecret", "is not a scalar in [1, SUB_ORDER)");
  return { spendingSecret, viewingSecret, ownerKey: ownerKeyOf(h, spendingSecret), viewingKey: bj.mul(viewingSecret, BASE8) };
}

/** Fresh random keys. */
export function randomNoteKeys(h: SyncPoseidon, bj: BabyJub): NoteKeys {
  return deriveNoteKeys(h, bj, randomBytes(32));
}

/** The public half of `keys`. */
export function addressOf(keys: ShieldedAddress): ShieldedAddress {
  return { ownerKey: keys.ownerKey, viewingKey: keys.viewingKey };
}

const hex32 = (x: bigint): string => x.toString(16).padStart(64, "0");

/** `pz1` + hex of ownerKey, viewingKey.x, viewingKey.y (32 bytes each). */
export function encodeAddress(a: ShieldedAddress): string {
  return `pz1${hex32(a.ownerKey)}${hex32(a.viewingKey[0])}${hex32(a.viewingKey[1])}`;
}

/** Parses `encodeAddress`'s output; checks the viewing key is in the prime-order subgroup. */
export function decodeAddress(bj: BabyJub, text: string): ShieldedAddress {
  if (typeof text !== "string" || !/^pz1[0-9a-f]{192}$/.test(text)) throw new NoteInputError("address", "is not pz1 followed by 192 hex digits");
  const part = (i: number): bigint => BigInt(`0x${text.slice(3 + 64 * i, 3 + 64 * (i + 1))}`);
  const ownerKey = fieldElement(part(0), "address.ownerKey");
  const viewingKey: Point = [fieldElement(part(1), "address.viewingKey.x"), fieldElement(part(2), "address.viewingKey.y")];
  checkViewingKey(bj, viewingKey);
  return { ownerKey, viewingKey };
}

/** Throws unless `key` is a Baby Jubjub point of the prime-order subgroup other than the identity. */
export function checkViewingKey(bj: BabyJub, key: Point, field = "viewingKey"): Point {
  if (!Array.isArray(key) || key.length !== 2) throw new NoteInputError(field, "is not a pair [x, y]");
  fieldElement(key[0], `${field}.x`);
  fieldElement(key[1], `${field}.y`);
  if (!bj.inCurve(key)) throw new NoteInputError(field, "is not on the Baby Jubjub curve");
  if (key[0] === 0n) throw new NoteInputError(field, "is the identity or a point of order 2");
  if (!bj.inSubgroup(key)) throw new NoteInputError(field, "is not in the prime-order subgroup");
  return key;
}
