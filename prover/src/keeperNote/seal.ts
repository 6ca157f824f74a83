/**
 * The keeper note of an account update: the new opening encrypted to the account's keeper, and the
 * challenge/binding pair that ties the ciphertext in calldata to the one the circuit computes.
 * Mirrors `MarginEngine._bindNote` bit for bit.
 */
import { AbiCoder, keccak256 } from "ethers";
import { circomlibBabyJub, type CircomlibBabyJub, type Point } from "../babyjub.js";
import { initPoseidonEx, type SyncPoseidonEx } from "../poseidon.js";
import { encryptOpening, linearBind } from "./cipher.js";

/** The keeper an update encrypts to: its registry id and its public key. */
export interface KeeperTarget {
  keeperId: bigint;
  key: Point;
}

/** The engine's `KeeperNote` struct. */
export interface KeeperNote {
  keeperId: bigint;
  ephemeralKey: [bigint, bigint];
  ciphertext: bigint[];
}

/** What sealing an update adds to the circuit input and to the public signals. */
export interface SealedUpdate {
  note: KeeperNote;
  /** r: keccak256(newCommitment, ephemeralKey, ciphertext, key, nonce) >> 128. */
  challenge: bigint;
  /** e = sum_i v[i] * r^(i+1) over v = [ciphertext, ephemeralKey, key, nonce]. */
  binding: bigint;
  /** The extra circuit inputs (decimal strings). */
  input: { keeperKey: [string, string]; nonce: string; challenge: string; binding: string };
}

/** The cryptography a sealed update needs (built once). */
export interface NoteCrypto {
  hx: SyncPoseidonEx;
  babyjub: CircomlibBabyJub;
}

let crypto: Promise<NoteCrypto> | undefined;

/** Builds (once) the Poseidon-with-outputs and Baby Jubjub instances. */
export function initNoteCrypto(): Promise<NoteCrypto> {
  crypto ??= Promise.all([initPoseidonEx(), circomlibBabyJub()]).then(([hx, babyjub]) => ({ hx, babyjub }));
  return crypto;
}

/** The challenge the engine derives from the note in calldata. */
export function noteChallenge(newCommitment: bigint, note: KeeperNote, key: Point, nonce: bigint): bigint {
  const encoded = AbiCoder.defaultAbiCoder().encode(
    ["uint256", "uint256[2]", "uint256[9]", "uint256[2]", "uint64"],
    [newCommitment, note.ephemeralKey, note.ciphertext, key, nonce],
  );
  return BigInt(keccak256(encoded)) >> 128n;
}

/** The vector the circuit binds: ciphertext, ephemeral key, keeper key, nonce. */
export function noteValues(note: KeeperNote, key: Point, nonce: bigint): bigint[] {
  return [...note.ciphertext, note.ephemeralKey[0], note.ephemeralKey[1], key[0], key[1], nonce];
}

/**
 * Encrypts the new opening to `keeper` with `nonce` (the engine uses the epoch) and derives the
 * challenge and binding for the proof.
 */
export function sealUpdate(
  c: NoteCrypto,
  args: { newAmounts: readonly bigint[]; newBlinding: bigint; newCommitment: bigint; keeper: KeeperTarget; nonce: bigint },
): SealedUpdate {
  const enc = encryptOpening(c.hx, c.babyjub, { amounts: args.newAmounts, blinding: args.newBlinding, keeperKey: args.keeper.key, nonce: args.nonce });
  const note: KeeperNote = { keeperId: args.keeper.keeperId, ephemeralKey: [enc.ephemeralKey[0], enc.ephemeralKey[1]], ciphertext: [...enc.ciphertext] };
  const challenge = noteChallenge(args.newCommitment, note, args.keeper.key, args.nonce);
  const binding = linearBind(noteValues(note, args.keeper.key, args.nonce), challenge);
  return {
    note,
    challenge,
    binding,
    input: {
      keeperKey: [args.keeper.key[0].toString(), args.keeper.key[1].toString()],
      nonce: args.nonce.toString(),
      challenge: challenge.toString(),
      binding: binding.toString(),
    },
  };
}

/** The note as the engine's `KeeperNote` struct argument. */
export function noteStruct(note: KeeperNote): { keeperId: bigint; ephemeralKey: [bigint, bigint]; ciphertext: bigint[] } {
  return { keeperId: note.keeperId, ephemeralKey: note.ephemeralKey, ciphertext: note.ciphertext };
}
