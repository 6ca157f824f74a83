/**
 * A note tree for the circuit suites: the notes of `amounts` (slot `slot`, owned by `alice`) in the
 * first batch, then one of 7 for `bob`, each with its leaf index and nullifier.
 */
import type { SyncPoseidon } from "../../prover/src/poseidon.js";
import { NoteTree, noteCommitment, noteNullifier, randomFieldElement, type Note, type NoteKeys, type OwnedNote } from "../../prover/src/notes/index.js";

export function noteTreeOf(h: SyncPoseidon, alice: NoteKeys, bob: NoteKeys, amounts: bigint[], slot = 3): { tree: NoteTree; notes: OwnedNote[]; bobNote: OwnedNote } {
  const tree = new NoteTree(h);
  const mk = (owner: bigint, secret: bigint, amount: bigint, i: number): OwnedNote => {
    const n: Note = { slot, amount, ownerKey: owner, blinding: randomFieldElement() };
    const commitment = noteCommitment(h, n);
    return { ...n, leafIndex: i, commitment, nullifier: noteNullifier(h, secret, commitment, i) };
  };
  const notes = amounts.map((a, i) => mk(alice.ownerKey, alice.spendingSecret, a, i));
  const bobNote = mk(bob.ownerKey, bob.spendingSecret, 7n, notes.length);
  tree.insertBatch([...notes, bobNote].map((n) => n.commitment));
  return { tree, notes, bobNote };
}
