/**
 * Witness building for the two note circuits: every input validated with an error naming the field,
 * and the public signals the pool will derive, so a caller can check them before proving.
 */
import { AbiCoder, keccak256 } from "ethers";
import { AMOUNT_BITS, FIELD_MODULUS } from "../constants.js";
import type { SyncPoseidon } from "../poseidon.js";
import { NOTE_BATCH_SIZE } from "./constants.js";
import type { EncryptedNote } from "./encryption.js";
import { NoteInputError, checkNote, fieldElement, noteCommitment, noteNullifier, noteValue, ownerKeyOf, randomFieldElement, type Note } from "./note.js";
import { batchChain, type NoteTree } from "./tree.js";

/** A note the wallet can spend: its opening and where it sits in the tree. */
export interface OwnedNote extends Note {
  leafIndex: number;
  commitment: bigint;
  nullifier: bigint;
}

/** The public signals of a join-split, in the verifier's order. */
export interface JoinSplitPublic {
  root: bigint;
  publicValue: bigint;
  extDataHash: bigint;
  nullifiers: [bigint, bigint];
  commitments: [bigint, bigint];
}

/** What `buildJoinSplit` needs. */
export interface JoinSplitArgs {
  /** The inputs' owner's spending secret. */
  spendingSecret: bigint;
  /** Asset slot of every note. */
  slot: number;
  /** 0 to 2 notes to spend (missing ones become fresh dummies of amount 0). */
  inputs: readonly OwnedNote[];
  /** Exactly 2 new notes of `slot` (an amount of 0 is a dummy). */
  outputs: readonly [Note, Note];
  /** Base units leaving the pool (0 for a transfer). */
  publicAmount: bigint;
  /** The pool's external-data hash of this call (`extDataHash`). */
  extDataHash: bigint;
}

/** A join-split ready to prove. */
export interface JoinSplitPlan {
  input: Record<string, unknown>;
  publicSignals: JoinSplitPublic;
}

/** publicValue = 0 for a transfer, else amount + slot * 2^96. */
export function publicValueOf(slot: number, publicAmount: bigint): bigint {
  return publicAmount === 0n ? 0n : noteValue(slot, publicAmount);
}

const ENCRYPTED_TUPLE = "tuple(uint256[2] ephemeralKey, uint256[2] ciphertext)[2]";

/** The pool's `extDataHash`: keccak(abi.encode(chainid, pool, recipient, relayer, fee, encrypted)) mod p. */
export function extDataHash(args: {
  chainId: bigint;
  pool: string;
  recipient: string;
  relayer: string;
  fee: bigint;
  encrypted: readonly [EncryptedNote, EncryptedNote];
}): bigint {
  const enc = args.encrypted.map((e) => [[...e.ephemeralKey], [...e.ciphertext]]);
  const data = AbiCoder.defaultAbiCoder().encode(["uint256", "address", "address", "address", "uint256", ENCRYPTED_TUPLE], [args.chainId, args.pool, args.recipient, args.relayer, args.fee, enc]);
  return BigInt(keccak256(data)) % FIELD_MODULUS;
}

/**
 * Builds the JoinSplit witness. Checks: slot, amounts, the inputs belong to the secret and sit in
 * `tree` at their index, value is conserved. The root is `tree.root()`.
 */
export function buildJoinSplit(h: SyncPoseidon, tree: NoteTree, args: JoinSplitArgs): JoinSplitPlan {
  const s = fieldElement(args.spendingSecret, "spendingSecret");
  const ownerKey = ownerKeyOf(h, s);
  const slot = args.slot;
  if (!Array.isArray(args.inputs) || args.inputs.length > 2) throw new NoteInputError("inputs", "must hold 0 to 2 notes");
  if (!Array.isArray(args.outputs) || args.outputs.length !== 2) throw new NoteInputError("outputs", "must hold exactly 2 notes");
  if (typeof args.publicAmount !== "bigint" || args.publicAmount < 0n || args.publicAmount >= 1n << BigInt(AMOUNT_BITS)) throw new NoteInputError("publicAmount", `is not in [0, 2^${AMOUNT_BITS})`);
  fieldElement(args.extDataHash, "extDataHash");

  const inputs: OwnedNote[] = args.inputs.map((n, k) => {
    checkNote(n, `inputs[${k}]`);
    if (n.slot !== slot) throw new NoteInputError(`inputs[${k}].slot`, `is ${n.slot}, not the join-split's slot ${slot}`);
    if (n.ownerKey !== ownerKey) throw new NoteInputError(`inputs[${k}].ownerKey`, "is not the spending secret's owner key");
    if (n.amount !== 0n && tree.leaf(n.leafIndex) !== n.commitment) throw new NoteInputError(`inputs[${k}]`, `is not in the tree at leaf ${n.leafIndex} (its batch not inserted yet?)`);
    if (noteCommitment(h, n) !== n.commitment) throw new NoteInputError(`inputs[${k}].commitment`, "does not match the opening");
    return n;
  });
  while (inputs.length < 2) {
    const dummy: Note = { slot, amount: 0n, ownerKey, blinding: randomFieldElement() };
    const commitment = noteCommitment(h, dummy);
    inputs.push({ ...dummy, leafIndex: 0, commitment, nullifier: noteNullifier(h, s, commitment, 0) });
  }
  if (inputs[0]!.amount !== 0n && inputs[1]!.amount !== 0n && inputs[0]!.leafIndex === inputs[1]!.leafIndex) throw new NoteInputError("inputs", "spend the same note twice");
  const outputs = args.outputs.map((n, k) => {
    checkNote(n, `outputs[${k}]`);
    if (n.slot !== slot) throw new NoteInputError(`outputs[${k}].slot`, `is ${n.slot}, not the join-split's slot ${slot}`);
    return n;
  });
  const totalIn = inputs[0]!.amount + inputs[1]!.amount;
  const totalOut = outputs[0]!.amount + outputs[1]!.amount + args.publicAmount;
  if (totalIn !== totalOut) throw new NoteInputError("outputs", `plus the public amount are ${totalOut}, the inputs ${totalIn}: value must be conserved`);

  const publicSignals: JoinSplitPublic = {
    root: tree.root(),
    publicValue: publicValueOf(slot, args.publicAmount),
    extDataHash: args.extDataHash,
    nullifiers: [noteNullifier(h, s, inputs[0]!.commitment, inputs[0]!.leafIndex), noteNullifier(h, s, inputs[1]!.commitment, inputs[1]!.leafIndex)],
    commitments: [noteCommitment(h, outputs[0]!), noteCommitment(h, outputs[1]!)],
  };
  const input: Record<string, unknown> = {
    root: publicSignals.root,
    publicValue: publicSignals.publicValue,
    extDataHash: publicSignals.extDataHash,
    inputNullifier: publicSignals.nullifiers,
    outputCommitment: publicSignals.commitments,
    slot: BigInt(slot),
    spendingSecret: s,
    inAmount: inputs.map((n) => n.amount),
    inBlinding: inputs.map((n) => n.blinding),
    inLeafIndex: inputs.map((n) => BigInt(n.leafIndex)),
    inSiblings: inputs.map((n) => tree.path(n.leafIndex)),
    outAmount: outputs.map((n) => n.amount),
    outOwner: outputs.map((n) => n.ownerKey),
    outBlinding: outputs.map((n) => n.blinding),
  };
  return { input, publicSignals };
}

/** A batch insertion ready to prove. */
export interface BatchInsertPlan {
  input: Record<string, unknown>;
  batchIndex: number;
  /** Leaves in the batch (what `insertBatch` takes as `expectedCount`). */
  count: number;
  oldRoot: bigint;
  newRoot: bigint;
  chain: bigint;
}

/** Builds the BatchInsert witness for the next batch of `tree` with `leaves` (1 to 16, in queue order). */
export function buildBatchInsert(h: SyncPoseidon, tree: NoteTree, leaves: readonly bigint[]): BatchInsertPlan {
  const preview = tree.previewBatch(leaves);
  const chain = batchChain(h, preview.batchIndex, leaves);
  const padded = [...leaves, ...new Array<bigint>(NOTE_BATCH_SIZE - leaves.length).fill(0n)];
  const oldRoot = tree.root();
  return {
    input: {
      oldRoot,
      newRoot: preview.newRoot,
      chain,
      batchIndex: BigInt(preview.batchIndex),
      active: padded.map((_, i) => (i < leaves.length ? 1n : 0n)),
      leaves: padded,
      siblings: preview.siblings,
    },
    batchIndex: preview.batchIndex,
    count: leaves.length,
    oldRoot,
    newRoot: preview.newRoot,
    chain,
  };
}
