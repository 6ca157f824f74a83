/**
 * A note's opening encrypted to its recipient's viewing key, the way keeper notes are (ECDH on Baby
 * Jubjub, Poseidon keystream: `keystream` of prover/src/keeperNote/cipher.ts), but with a fresh
 * random ephemeral key and off-circuit: the pool does not check it, a join-split binds it through
 * its external-data hash (so a relayer cannot swap it), and the recipient checks it by recomputing
 * the on-chain commitment.
 *
 *   E = r * Base8,  S = r * viewingKey (= viewingSecret * E),  ks = keystream(S, NOTE_NONCE)
 *   ciphertext = [value + ks[0], blinding + ks[1]]  (mod p),  value = amount + slot * 2^96
 *
 * The owner key is not in the ciphertext: the recipient knows its own.
 */
import { randomBytes } from "node:crypto";
import { BASE8, SUB_ORDER, type BabyJub, type Point } from "../babyjub.js";
import { FIELD_MODULUS } from "../constants.js";
import { keystream } from "../keeperNote/cipher.js";
import type { SyncPoseidonEx } from "../poseidon.js";
import { NOTE_NONCE } from "./constants.js";
import { checkNote, noteCommitment, noteValue, unpackValue, type Note } from "./note.js";

/** What the pool emits for a note (the `EncryptedNote` struct). */
export interface EncryptedNote {
  ephemeralKey: Point;
  ciphertext: [bigint, bigint];
}

const mod = (x: bigint): bigint => ((x % FIELD_MODULUS) + FIELD_MODULUS) % FIELD_MODULUS;

function randomScalar(): bigint {
  return (BigInt(`0x${randomBytes(64).toString("hex")}`) % (SUB_ORDER - 1n)) + 1n;
}

/** Encrypts `note`'s opening to `viewingKey` (a subgroup point; check it with `checkViewingKey`). */
export function encryptNote(h: SyncPoseidonEx, bj: BabyJub, viewingKey: Point, note: Note, ephemeralSecret: bigint = randomScalar()): EncryptedNote {
  checkNote(note);
  const ephemeralKey = bj.mul(ephemeralSecret, BASE8);
  const ks = keystream(h, bj.mul(ephemeralSecret, viewingKey), NOTE_NONCE);
  return { ephemeralKey, ciphertext: [mod(noteValue(note.slot, note.amount) + ks[0]!), mod(note.blinding + ks[1]!)] };
}

/**
 * Decrypts a pool event's note with the viewing secret and checks it is addressed to `ownerKey`:
 * the opening must recompute `commitment`. Returns undefined for anyone else's note, a garbage
 * ciphertext or an off-curve ephemeral key; never throws for bad event data.
 */
export function decryptNote(
  h: SyncPoseidonEx,
  bj: BabyJub,
  viewingSecret: bigint,
  ownerKey: bigint,
  encrypted: EncryptedNote,
  commitment: bigint,
): Note | undefined {
  const e = encrypted?.ephemeralKey;
  const c = encrypted?.ciphertext;
  if (!Array.isArray(e) || e.length !== 2 || !Array.isArray(c) || c.length !== 2) return undefined;
  if (![...e, ...c].every((x) => typeof x === "bigint" && x >= 0n && x < FIELD_MODULUS)) return undefined;
  if (!bj.inCurve(e)) return undefined;
  const ks = keystream(h, bj.mul(viewingSecret, e), NOTE_NONCE);
  const parts = unpackValue(mod(c[0] - ks[0]!));
  if (parts === undefined) return undefined;
  const note: Note = { slot: parts.slot, amount: parts.amount, ownerKey, blinding: mod(c[1] - ks[1]!) };
  return noteCommitment(h, note) === commitment ? note : undefined;
}
