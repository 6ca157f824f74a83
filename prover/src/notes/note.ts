/**
 * Note format, bit for bit with circuits/src/notes.circom and contracts/notes/ShieldedPool.sol:
 *
 *   ownerKey   = Poseidon(spendingSecret)
 *   value      = amount + slot * 2^96                  (amount < 2^96, slot < 16)
 *   inner      = Poseidon(ownerKey, blinding)
 *   commitment = Poseidon(value, inner)                (the tree leaf)
 *   nullifier  = Poseidon(spendingSecret, commitment, leafIndex)
 */
import { randomBytes } from "node:crypto";
import { AMOUNT_BITS, FIELD_MODULUS } from "../constants.js";
import type { SyncPoseidon } from "../poseidon.js";
import { fieldElement, WitnessInputError as NoteInputError } from "../validate.js";
import { NOTE_SLOT_BITS, NOTE_TREE_DEPTH_BITS } from "./constants.js";

const AMOUNT_LIMIT = 1n << BigInt(AMOUNT_BITS);
const SLOT_LIMIT = 1 << NOTE_SLOT_BITS;

/** A note's opening: what its owner must keep to spend it. */
export interface Note {
  /** Oracle asset slot, 0 <= slot < 16. */
  slot: number;
  /** Token base units, 0 <= amount < 2^96. */
  amount: bigint;
  /** The owner's spending public key (Poseidon of the spending secret). */
  ownerKey: bigint;
  /** Uniformly random field element. */
  blinding: bigint;
}

/** An invalid note field: names the field and the reason. */
/**
 * A note input that is out of range, naming the field: the library's one validation error
 * (`prover/src/validate.ts`), under the name the notes API has used.
 */
export { NoteInputError, fieldElement };

/** Checks a note's fields (slot < 16, amount < 2^96, keys and blinding field elements). */
export function checkNote(note: Note, field = "note"): Note {
  if (typeof note !== "object" || note === null) throw new NoteInputError(field, "is not an object");
  if (!Number.isInteger(note.slot) || note.slot < 0 || note.slot >= SLOT_LIMIT) throw new NoteInputError(`${field}.slot`, `is not an asset slot in [0, ${SLOT_LIMIT})`);
  if (typeof note.amount !== "bigint" || note.amount < 0n || note.amount >= AMOUNT_LIMIT) throw new NoteInputError(`${field}.amount`, `is not in [0, 2^${AMOUNT_BITS})`);
  fieldElement(note.ownerKey, `${field}.ownerKey`);
  fieldElement(note.blinding, `${field}.blinding`);
  return note;
}

/** A uniformly random field element (for blindings). */
export function randomFieldElement(): bigint {
  // 512 bits reduced mod p: statistical distance from uniform below 2^-250.
  return BigInt(`0x${randomBytes(64).toString("hex")}`) % FIELD_MODULUS;
}

/** ownerKey = Poseidon(spendingSecret). */
export function ownerKeyOf(h: SyncPoseidon, spendingSecret: bigint): bigint {
  return h([fieldElement(spendingSecret, "spendingSecret")]);
}

/** value = amount + slot * 2^96. */
export function noteValue(slot: number, amount: bigint): bigint {
  return amount + (BigInt(slot) << BigInt(AMOUNT_BITS));
}

/** Splits a packed value; undefined unless it is amount + slot * 2^96 with slot < 16. */
export function unpackValue(value: bigint): { slot: number; amount: bigint } | undefined {
  if (value < 0n || value >= 1n << BigInt(AMOUNT_BITS + NOTE_SLOT_BITS)) return undefined;
  return { slot: Number(value >> BigInt(AMOUNT_BITS)), amount: value & (AMOUNT_LIMIT - 1n) };
}

/** inner = Poseidon(ownerKey, blinding): what a depositor passes to `shield`. */
export function noteInner(h: SyncPoseidon, ownerKey: bigint, blinding: bigint): bigint {
  return h([ownerKey, blinding]);
}

/** commitment = Poseidon(value, Poseidon(ownerKey, blinding)). */
export function noteCommitment(h: SyncPoseidon, note: Note): bigint {
  checkNote(note);
  return h([noteValue(note.slot, note.amount), noteInner(h, note.ownerKey, note.blinding)]);
}

/** nullifier = Poseidon(spendingSecret, commitment, leafIndex). */
export function noteNullifier(h: SyncPoseidon, spendingSecret: bigint, commitment: bigint, leafIndex: number): bigint {
  if (!Number.isSafeInteger(leafIndex) || leafIndex < 0 || leafIndex >= 2 ** NOTE_TREE_DEPTH_BITS) throw new NoteInputError("leafIndex", `is not a tree position in [0, 2^${NOTE_TREE_DEPTH_BITS})`);
  return h([fieldElement(spendingSecret, "spendingSecret"), fieldElement(commitment, "commitment"), BigInt(leafIndex)]);
}
