/**
 * The account-note circuits (circuits/main/account_absorb.circom, account_emit.circom) against the
 * TypeScript plans (prover/src/notes/account.ts), and the witnesses they must refuse (witness
 * level: no proving). On-chain behaviour with real proofs: test/notes/account.test.ts.
 */
import { expect } from "chai";
import { FIELD_MODULUS, N_ASSETS } from "../../prover/src/constants.js";
import { getBabyJub } from "../../prover/src/babyjub.js";
import { initPoseidonEx } from "../../prover/src/poseidon.js";
import { planUpdate, type AccountOpening, type UpdateKeeper } from "../../prover/src/account.js";
import { NO_DELTA } from "../../prover/src/encoding.js";
import { initNoteCrypto } from "../../prover/src/keeperNote/index.js";
import { generateKeeperKey } from "../../prover/src/keeper/keys.js";
import { WitnessInputError } from "../../prover/src/validate.js";
import {
  noteCommitment,
  noteNullifier,
  planAbsorb,
  planEmit,
  randomFieldElement,
  randomNoteKeys,
  type Note,
  type OwnedNote,
} from "../../prover/src/notes/index.js";
import { noteTreeOf } from "./noteTree.js";
import { loadCircuit, type TestCircuit } from "../helpers/circuit.js";

const h = await initPoseidonEx();
const bj = await getBabyJub();
const alice = randomNoteKeys(h, bj);
const bob = randomNoteKeys(h, bj);
const P = FIELD_MODULUS;
const OWNER = 0x5b38da6a701c568545dcfcb03fcb875f56beddc4n;
/** Weights of 16 slots (value units per base unit), slot 5 worth nothing. */
const WEIGHTS = Array.from({ length: N_ASSETS }, (_, i) => (i === 5 ? 0n : 10n ** 12n * BigInt(i + 1)));
const BASKET: AccountOpening = { owner: OWNER, amounts: Array.from({ length: N_ASSETS }, (_, i) => BigInt(1_000 * (i + 1))), blinding: 77n };

let absorb: TestCircuit;
let emit: TestCircuit;
let keeper: UpdateKeeper;

/** A tree with the notes of `amounts` (slot `slot`, owned by alice) in its first batch, plus one for bob. */
const tree = (amounts: bigint[], slot = 3) => noteTreeOf(h, alice, bob, amounts, slot);

/** The value of a basket under WEIGHTS. */
const value = (amounts: readonly bigint[]): bigint => amounts.reduce((s, a, i) => s + a * WEIGHTS[i]!, 0n);

describe("account note circuits (absorb, emit)", function () {
  before(async function () {
    absorb = await loadCircuit("circuits/main/account_absorb.circom");
    emit = await loadCircuit("circuits/main/account_emit.circom");
    const k = await generateKeeperKey();
    keeper = { crypto: await initNoteCrypto(), keeper: { keeperId: 1n, key: k.publicKey }, nonce: 42n };
  });

  it("reports their size: under 2^14 constraints each (phase-1 power 14), 8 and 7 public inputs", function () {
    console.log(`      account_absorb: ${absorb.info.constraints} constraints, ${absorb.info.publicInputs} public`);
    console.log(`      account_emit: ${emit.info.constraints} constraints, ${emit.info.publicInputs} public`);
    expect(absorb.info.publicInputs).to.equal(8);
    expect(emit.info.publicInputs).to.equal(7);
    expect(absorb.info.constraints).to.be.below(1 << 14);
    expect(emit.info.constraints).to.be.below(1 << 14);
  });

  describe("absorb", function () {
    it("an honest absorb: the public signals are the plan's, the note lands at its own slot, the statement has no delta", async function () {
      const { tree: t, notes } = tree([500n, 9n]);
      const plan = planAbsorb(h, BASKET, { note: notes[0]!, spendingSecret: alice.spendingSecret, tree: t }, WEIGHTS, keeper);
      const w = await absorb.calculateWitness(plan.input as never);
      const s = plan.publicSignals;
      expect(absorb.publicSignals(w)).to.deep.equal([s.oldCommitment, s.newCommitment, s.weightsHash, s.statement, s.challenge, s.binding, t.root(), notes[0]!.nullifier]);
      absorb.checkConstraints(w);
      expect(plan.next.amounts[3]).to.equal(BASKET.amounts[3]! + 500n);
      expect(plan.next.amounts.filter((a, i) => a !== BASKET.amounts[i])).to.have.length(1);
      expect(s.statement).to.equal(0n); // requirement 0, magnitude 0, sign 0, index 0
    });

    it("refuses the note credited to another slot than its own", async function () {
      const { tree: t, notes } = tree([500n]);
      const honest = planAbsorb(h, BASKET, { note: notes[0]!, spendingSecret: alice.spendingSecret, tree: t }, WEIGHTS, keeper);
      // the update (commitment and keeper encryption) of a basket credited at slot 4, with the slot-3 note
      const other = planUpdate(h, BASKET, NO_DELTA, 0n, WEIGHTS, keeper, 5n, { index: 4, amount: 500n });
      await absorb.expectWitnessFailure({ ...(honest.input as Record<string, unknown>), ...other.input, noteSlot: 3n } as never);
      // ... or the note's slot claimed as 4: its commitment is then not in the tree
      await absorb.expectWitnessFailure({ ...(honest.input as Record<string, unknown>), ...other.input, noteSlot: 4n } as never);
    });

    it("refuses a root the note is not under, a nullifier of another note, and a spending secret that is not the owner's", async function () {
      const { tree: t, notes, bobNote } = tree([500n, 20n]);
      const plan = planAbsorb(h, BASKET, { note: notes[0]!, spendingSecret: alice.spendingSecret, tree: t }, WEIGHTS, keeper);
      const input = plan.input as Record<string, unknown>;
      await absorb.expectWitnessFailure({ ...input, root: t.root() + 1n } as never);
      await absorb.expectWitnessFailure({ ...input, nullifier: notes[1]!.nullifier } as never);
      await absorb.expectWitnessFailure({ ...input, nullifier: noteNullifier(h, alice.spendingSecret, notes[0]!.commitment, 1) } as never);
      await absorb.expectWitnessFailure({ ...input, spendingSecret: bob.spendingSecret } as never);
      // bob's note cannot be absorbed with alice's secret; the plan refuses it by name
      expect(() => planAbsorb(h, BASKET, { note: bobNote, spendingSecret: alice.spendingSecret, tree: t }, WEIGHTS, keeper)).to.throw(/ownerKey/);
    });

    it("refuses a note that is not in the tree (the plan names it; a forged path fails the root)", async function () {
      const { tree: t, notes } = tree([500n]);
      const stranger: OwnedNote = { ...notes[0]!, blinding: 1n, commitment: noteCommitment(h, { ...notes[0]!, blinding: 1n }) };
      expect(() => planAbsorb(h, BASKET, { note: stranger, spendingSecret: alice.spendingSecret, tree: t }, WEIGHTS, keeper)).to.throw(/not in the tree/);
      const plan = planAbsorb(h, BASKET, { note: notes[0]!, spendingSecret: alice.spendingSecret, tree: t }, WEIGHTS, keeper);
      const other = planUpdate(h, BASKET, NO_DELTA, 0n, WEIGHTS, keeper, 9n, { index: 3, amount: 500n });
      await absorb.expectWitnessFailure({ ...(plan.input as Record<string, unknown>), ...other.input, noteBlinding: 1n } as never);
    });

    it("refuses a note amount of 2^96 (the packing of amount 0 at the next slot) and of p - 1", async function () {
      // a real note of amount 0 at slot 4 has the value 4 * 2^96 = 2^96 + 3 * 2^96: claimed as 2^96 at slot 3
      const { tree: t, notes } = tree([0n], 4);
      const honest = planAbsorb(h, BASKET, { note: notes[0]!, spendingSecret: alice.spendingSecret, tree: t }, WEIGHTS, keeper);
      // no opening in range follows "+2^96 at slot 3": the honest one (slot 4 + 0) must fail under that claim
      await absorb.expectWitnessFailure({ ...(honest.input as Record<string, unknown>), noteSlot: 3n, noteAmount: 1n << 96n } as never);
      // p - 1 at slot 3 would debit 1: the update of a basket one poorer at slot 3, with that claim
      const debit = planUpdate(h, BASKET, NO_DELTA, 0n, WEIGHTS, keeper, 3n, { index: 3, amount: -1n });
      await absorb.expectWitnessFailure({ ...(honest.input as Record<string, unknown>), ...debit.input, noteSlot: 3n, noteAmount: P - 1n } as never);
    });
  });

  describe("emit", function () {
    it("an honest emit: the public signals are the plan's, the amount leaves its slot, the margin is checked on what stays", async function () {
      const note: Note = { slot: 2, amount: 3_000n, ownerKey: bob.ownerKey, blinding: randomFieldElement() };
      const after = BASKET.amounts.map((a, i) => (i === 2 ? a - 3_000n : a));
      const plan = planEmit(h, BASKET, note, value(after), WEIGHTS, keeper);
      const w = await emit.calculateWitness(plan.input as never);
      const s = plan.publicSignals;
      expect(emit.publicSignals(w)).to.deep.equal([s.oldCommitment, s.newCommitment, s.weightsHash, s.statement, s.challenge, s.binding, noteCommitment(h, note)]);
      emit.checkConstraints(w);
      expect(plan.next.amounts).to.deep.equal(after);
    });

    it("refuses a note worth more than the basket can give up at the requirement (the plan names it; a forged statement fails)", async function () {
      const note: Note = { slot: 2, amount: 3_000n, ownerKey: bob.ownerKey, blinding: randomFieldElement() };
      const after = BASKET.amounts.map((a, i) => (i === 2 ? a - 3_000n : a));
      expect(() => planEmit(h, BASKET, note, value(after) + 1n, WEIGHTS, keeper)).to.throw(WitnessInputError, /requirement/);
      const plan = planEmit(h, BASKET, note, value(after), WEIGHTS, keeper);
      await emit.expectWitnessFailure({ ...(plan.input as Record<string, unknown>), statement: value(after) + 1n } as never);
    });

    it("refuses a note worth more than the slot holds, and a negative amount (p - 1) that would credit the basket", async function () {
      const all: Note = { slot: 2, amount: BASKET.amounts[2]!, ownerKey: bob.ownerKey, blinding: 11n };
      const plan = planEmit(h, BASKET, all, 0n, WEIGHTS, keeper);
      expect(plan.next.amounts[2]).to.equal(0n);
      const over = { ...all, amount: all.amount + 1n };
      expect(() => planEmit(h, BASKET, over, 0n, WEIGHTS, keeper)).to.throw(WitnessInputError, /negative/);
      await emit.expectWitnessFailure({ ...(plan.input as Record<string, unknown>), noteAmount: over.amount, noteCommitment: noteCommitment(h, over) } as never);
      // "emit" p - 1 (that is, credit 1): the commitment and keeper note of a basket one richer at slot 2
      const richer = planUpdate(h, BASKET, NO_DELTA, 0n, WEIGHTS, keeper, 4n, { index: 2, amount: 1n });
      const negative = h([(P - 1n + (2n << 96n)) % P, h([bob.ownerKey, 11n])]);
      await emit.expectWitnessFailure({ ...(plan.input as Record<string, unknown>), ...richer.input, noteAmount: P - 1n, noteCommitment: negative } as never);
    });

    it("refuses a note commitment that is not the emitted note's (another recipient or amount)", async function () {
      const note: Note = { slot: 2, amount: 3_000n, ownerKey: bob.ownerKey, blinding: 12n };
      const plan = planEmit(h, BASKET, note, 0n, WEIGHTS, keeper);
      const input = plan.input as Record<string, unknown>;
      await emit.expectWitnessFailure({ ...input, noteCommitment: noteCommitment(h, { ...note, ownerKey: alice.ownerKey }) } as never);
      await emit.expectWitnessFailure({ ...input, noteCommitment: noteCommitment(h, { ...note, amount: 2_999n }) } as never);
    });
  });
});
