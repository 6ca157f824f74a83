/**
 * Accounts absorb and emit notes (issue 8): the plan of an account update whose basket change is a
 * note at a private slot and amount (circuits/src/account_notes.circom, AccountNoteUpdate). The
 * statement carries no delta; the account's keeper still receives the whole new opening.
 */
import { NO_DELTA } from "../encoding.js";
import type { SyncPoseidon } from "../poseidon.js";
import { planUpdate, randomBlinding, type AccountOpening, type PlannedUpdate, type UpdateKeeper } from "../account.js";
import { NoteInputError, checkNote, noteCommitment, noteNullifier, ownerKeyOf, type Note } from "./note.js";
import type { NoteTree } from "./tree.js";
import type { OwnedNote } from "./witness.js";

/** The circuits (circuits/main/) of the two note updates. */
export const ABSORB_CIRCUIT = "account_absorb";
export const EMIT_CIRCUIT = "account_emit";

/** An absorb ready to prove: the update's plan plus the root and nullifier the engine passes to the pool. */
export interface PlannedAbsorb extends PlannedUpdate {
  root: bigint;
  nullifier: bigint;
  /** The absorbed note. */
  absorbed: OwnedNote;
}

/** An emit ready to prove: the update's plan plus the new note (its opening and commitment). */
export interface PlannedEmit extends PlannedUpdate {
  emitted: Note;
  noteCommitment: bigint;
}

/**
 * Plans absorbing `note` (owned by `spendingSecret`, in `tree` at its leaf index) into `current`.
 * Requirement 0, as a deposit. The root is `tree.root()`: the pool must still have it in its history.
 */
export function planAbsorb(
  h: SyncPoseidon,
  current: AccountOpening,
  args: { note: OwnedNote; spendingSecret: bigint; tree: NoteTree },
  weights: readonly bigint[],
  k: UpdateKeeper,
  newBlinding: bigint = randomBlinding(),
): PlannedAbsorb {
  const n = checkNote(args.note, "note");
  if (ownerKeyOf(h, args.spendingSecret) !== n.ownerKey) throw new NoteInputError("note.ownerKey", "is not the spending secret's owner key");
  if (noteCommitment(h, n) !== args.note.commitment) throw new NoteInputError("note.commitment", "does not match the opening");
  if (args.tree.leaf(args.note.leafIndex) !== args.note.commitment) throw new NoteInputError("note", `is not in the tree at leaf ${args.note.leafIndex} (its batch not inserted yet?)`);
  const nullifier = noteNullifier(h, args.spendingSecret, args.note.commitment, args.note.leafIndex);
  const root = args.tree.root();
  const plan = planUpdate(h, current, NO_DELTA, 0n, weights, k, newBlinding, { index: n.slot, amount: n.amount });
  return {
    ...plan,
    input: {
      ...plan.input,
      root,
      nullifier,
      noteSlot: BigInt(n.slot),
      noteAmount: n.amount,
      noteBlinding: n.blinding,
      noteLeafIndex: BigInt(args.note.leafIndex),
      noteSiblings: args.tree.path(args.note.leafIndex),
      spendingSecret: args.spendingSecret,
    },
    root,
    nullifier,
    absorbed: args.note,
  };
}

/**
 * Plans emitting `note` (any recipient's owner key) out of `current`; what stays must clear
 * `requirement` (the engine's initial-margin requirement) under `weights` (initial weights).
 */
export function planEmit(
  h: SyncPoseidon,
  current: AccountOpening,
  note: Note,
  requirement: bigint,
  weights: readonly bigint[],
  k: UpdateKeeper,
  newBlinding: bigint = randomBlinding(),
): PlannedEmit {
  const n = checkNote(note, "note");
  const held = current.amounts[n.slot];
  if (held === undefined) throw new NoteInputError("note.slot", `is ${n.slot}, not an asset slot of the basket`);
  if (n.amount > held) throw new NoteInputError("note.amount", `is ${n.amount}, more than the basket holds at slot ${n.slot} (${held}): it would make it negative`);
  const plan = planUpdate(h, current, NO_DELTA, requirement, weights, k, newBlinding, { index: n.slot, amount: -n.amount });
  const commitment = noteCommitment(h, n);
  return {
    ...plan,
    input: { ...plan.input, noteCommitment: commitment, noteSlot: BigInt(n.slot), noteAmount: n.amount, noteRecipient: n.ownerKey, noteBlinding: n.blinding },
    emitted: n,
    noteCommitment: commitment,
  };
}
