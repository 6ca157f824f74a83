/**
 * The note circuits against their TypeScript twins, and the forgeries they must reject (witness
 * level: no proving). JoinSplit(12) and BatchInsert(12, 2) are the production main files.
 */
import { expect } from "chai";
import { FIELD_MODULUS } from "../../prover/src/constants.js";
import { getBabyJub } from "../../prover/src/babyjub.js";
import { initPoseidonEx } from "../../prover/src/poseidon.js";
import {
  NOTE_BATCH_LEVELS,
  NOTE_BATCH_SIZE,
  NOTE_TREE_LEVELS,
  NoteTree,
  batchChain,
  buildBatchInsert,
  buildJoinSplit,
  noteCommitment,
  noteNullifier,
  randomFieldElement,
  randomNoteKeys,
  zeroHashes,
  type Note,
} from "../../prover/src/notes/index.js";
import { noteTreeOf } from "./noteTree.js";
import { loadCircuit, type TestCircuit } from "../helpers/circuit.js";
import { readFileSync } from "node:fs";

const h = await initPoseidonEx();
const bj = await getBabyJub();
const alice = randomNoteKeys(h, bj);
const bob = randomNoteKeys(h, bj);
const P = FIELD_MODULUS;

let joinSplit: TestCircuit;
let batch: TestCircuit;

/** A tree with the notes of `amounts` (slot `slot`, owned by alice) in its first batch, plus one for bob. */
const world = (amounts: bigint[], slot = 3) => noteTreeOf(h, alice, bob, amounts, slot);

const out = (amount: bigint, slot = 3, owner = bob.ownerKey): Note => ({ slot, amount, ownerKey: owner, blinding: randomFieldElement() });

describe("note circuits", function () {
  before(async function () {
    joinSplit = await loadCircuit("circuits/main/note_join_split.circom");
    batch = await loadCircuit("circuits/main/note_batch_insert.circom");
  });

  describe("constants", function () {
    it("NOTE_ZERO_SUBTREE() is Z[2], the tree has 12 quaternary levels, a batch 2", function () {
      const src = readFileSync("circuits/src/notes.circom", "utf8");
      const z = zeroHashes(h);
      expect(src).to.include(`function NOTE_ZERO_SUBTREE() { return ${z[2]}; }`);
      expect(src).to.include(`function NOTE_TREE_LEVELS() { return ${NOTE_TREE_LEVELS}; }`);
      expect(src).to.include(`function NOTE_BATCH_LEVELS() { return ${NOTE_BATCH_LEVELS}; }`);
      expect(new NoteTree(h).root()).to.equal(z[12]);
    });

    it("reports its size (constraints, public inputs)", function () {
      console.log(`      note_join_split: ${joinSplit.info.constraints} constraints, ${joinSplit.info.publicInputs} public`);
      console.log(`      note_batch_insert: ${batch.info.constraints} constraints, ${batch.info.publicInputs} public`);
      expect(joinSplit.info.publicInputs).to.equal(7);
      expect(batch.info.publicInputs).to.equal(3);
      expect(joinSplit.info.constraints).to.be.below(1 << 15);
      expect(batch.info.constraints).to.be.below(1 << 15);
    });
  });

  describe("JoinSplit(12)", function () {
    it("an honest 2-in/2-out transfer: public signals equal the TypeScript plan", async function () {
      const { tree, notes } = world([100n, 50n]);
      const plan = buildJoinSplit(h, tree, { spendingSecret: alice.spendingSecret, slot: 3, inputs: notes, outputs: [out(120n), out(30n, 3, alice.ownerKey)], publicAmount: 0n, extDataHash: 12345n });
      const w = await joinSplit.calculateWitness(plan.input as never);
      const s = plan.publicSignals;
      expect(joinSplit.publicSignals(w)).to.deep.equal([s.root, s.publicValue, s.extDataHash, ...s.nullifiers, ...s.commitments]);
      expect(s.nullifiers).to.deep.equal([notes[0]!.nullifier, notes[1]!.nullifier]);
      joinSplit.checkConstraints(w);
    });

    it("one real input and one dummy; an unshield with its public slot", async function () {
      const { tree, notes } = world([100n]);
      const plan = buildJoinSplit(h, tree, { spendingSecret: alice.spendingSecret, slot: 3, inputs: [notes[0]!], outputs: [out(0n), out(40n, 3, alice.ownerKey)], publicAmount: 60n, extDataHash: 1n });
      expect(plan.publicSignals.publicValue).to.equal(60n + (3n << 96n));
      await joinSplit.calculateWitness(plan.input as never);
      // the same with the public value naming another slot
      await joinSplit.expectWitnessFailure({ ...(plan.input as Record<string, unknown>), publicValue: 60n + (4n << 96n) });
      // a dummy input may be anything of amount 0, even with a garbage path
      await joinSplit.calculateWitness({ ...(plan.input as Record<string, unknown>), inSiblings: [(plan.input.inSiblings as bigint[][][])[0]!, Array.from({ length: 12 }, () => [5n, 5n, 5n, 5n])] } as never);
    });

    it("two dummies and zero outputs (a no-op) are accepted against any root", async function () {
      const tree = new NoteTree(h);
      const plan = buildJoinSplit(h, tree, { spendingSecret: alice.spendingSecret, slot: 0, inputs: [], outputs: [out(0n, 0), out(0n, 0)], publicAmount: 0n, extDataHash: 0n });
      await joinSplit.calculateWitness({ ...(plan.input as Record<string, unknown>), root: 777n });
    });

    it("rejects outputs that exceed the inputs", async function () {
      const { tree, notes } = world([100n, 50n]);
      const plan = buildJoinSplit(h, tree, { spendingSecret: alice.spendingSecret, slot: 3, inputs: notes, outputs: [out(120n), out(30n)], publicAmount: 0n, extDataHash: 0n });
      const o = [out(121n), out(30n)];
      const forged = { ...(plan.input as Record<string, unknown>), outAmount: [121n, 30n], outBlinding: o.map((n) => n.blinding), outputCommitment: [noteCommitment(h, { ...o[0]!, amount: 121n }), noteCommitment(h, o[1]!)] };
      await joinSplit.expectWitnessFailure(forged as never);
      // and a public amount above what the inputs leave
      await joinSplit.expectWitnessFailure({ ...(plan.input as Record<string, unknown>), publicValue: 1n + (3n << 96n) } as never);
    });

    it("rejects an output amount of 2^96 or p - 1 even when the sum balances in the field", async function () {
      // in: 2^96 - 1 + 1 (two notes); out: 2^96 and 0 -> balances as integers, amount out of range
      const big = (1n << 96n) - 1n;
      const { tree, notes } = world([big, 1n]);
      const base = buildJoinSplit(h, tree, { spendingSecret: alice.spendingSecret, slot: 3, inputs: notes, outputs: [out(big), out(1n)], publicAmount: 0n, extDataHash: 0n }).input as Record<string, unknown>;
      const forge = async (a0: bigint, a1: bigint): Promise<void> => {
        const o0 = out(0n);
        const o1 = out(0n);
        const c = [h([(a0 + (3n << 96n)) % P, h([o0.ownerKey, o0.blinding])]), h([(a1 + (3n << 96n)) % P, h([o1.ownerKey, o1.blinding])])];
        await joinSplit.expectWitnessFailure({ ...base, outAmount: [a0, a1], outOwner: [o0.ownerKey, o1.ownerKey], outBlinding: [o0.blinding, o1.blinding], outputCommitment: c } as never, /Num2Bits/);
      };
      await forge(1n << 96n, 0n);
      await forge(P - 1n, big + 2n); // -1 and (sum + 1): the field sum is right
    });

    it("rejects a note not in the tree, or proved against another root", async function () {
      const { tree, notes } = world([100n, 50n]);
      const plan = buildJoinSplit(h, tree, { spendingSecret: alice.spendingSecret, slot: 3, inputs: notes, outputs: [out(150n), out(0n)], publicAmount: 0n, extDataHash: 0n });
      const input = plan.input as Record<string, unknown>;
      await joinSplit.expectWitnessFailure({ ...input, root: tree.zeros[12] } as never); // the empty tree's root
      const siblings = (input.inSiblings as bigint[][][]).map((path) => path.map((level) => [...level]));
      siblings[1]![0]![0] = siblings[1]![0]![0]! + 1n; // leaf 1's sibling leaf 0
      await joinSplit.expectWitnessFailure({ ...input, inSiblings: siblings } as never);
      const higher = (input.inSiblings as bigint[][][]).map((path) => path.map((level) => [...level]));
      higher[0]![5]![2] = 1n; // an empty subtree replaced, five levels up
      await joinSplit.expectWitnessFailure({ ...input, inSiblings: higher } as never);
      // the node's own entry in its level is ignored (it is the node)
      const own = (input.inSiblings as bigint[][][]).map((path) => path.map((level) => [...level]));
      own[0]![0]![0] = 123n;
      await joinSplit.calculateWitness({ ...input, inSiblings: own } as never);
      await joinSplit.expectWitnessFailure({ ...input, inLeafIndex: [0n, 5n] } as never); // wrong position
      // a note with a changed amount is another commitment, not in the tree
      await joinSplit.expectWitnessFailure({ ...input, inAmount: [100n, 51n], outAmount: [151n, 0n] } as never);
    });

    it("rejects a nullifier that belongs to another note, and another owner's secret", async function () {
      const { tree, notes, bobNote } = world([100n, 50n]);
      const plan = buildJoinSplit(h, tree, { spendingSecret: alice.spendingSecret, slot: 3, inputs: notes, outputs: [out(150n), out(0n)], publicAmount: 0n, extDataHash: 0n });
      const input = plan.input as Record<string, unknown>;
      await joinSplit.expectWitnessFailure({ ...input, inputNullifier: [notes[1]!.nullifier, notes[0]!.nullifier] } as never);
      await joinSplit.expectWitnessFailure({ ...input, inputNullifier: [bobNote.nullifier, notes[1]!.nullifier] } as never);
      await joinSplit.expectWitnessFailure({ ...input, inputNullifier: [noteNullifier(h, alice.spendingSecret, notes[0]!.commitment, 1), notes[1]!.nullifier] } as never);
      // spending bob's note with alice's secret: its commitment is not alice's
      await joinSplit.expectWitnessFailure({ ...input, inBlinding: [bobNote.blinding, notes[1]!.blinding], inAmount: [7n, 50n], inLeafIndex: [2n, 1n], outAmount: [57n, 0n] } as never);
    });

    it("rejects an input of another slot than the outputs", async function () {
      const { tree, notes } = world([100n, 50n]);
      const plan = buildJoinSplit(h, tree, { spendingSecret: alice.spendingSecret, slot: 3, inputs: notes, outputs: [out(150n), out(0n)], publicAmount: 0n, extDataHash: 0n });
      await joinSplit.expectWitnessFailure({ ...(plan.input as Record<string, unknown>), slot: 4n } as never);
      await joinSplit.expectWitnessFailure({ ...(plan.input as Record<string, unknown>), slot: 19n } as never, /Num2Bits/);
    });

    it("changing any public input of an honest witness breaks it", async function () {
      const { tree, notes } = world([100n, 50n]);
      const plan = buildJoinSplit(h, tree, { spendingSecret: alice.spendingSecret, slot: 3, inputs: notes, outputs: [out(120n), out(30n)], publicAmount: 0n, extDataHash: 99n });
      const w = await joinSplit.calculateWitness(plan.input as never);
      for (let i = 1; i <= 7; i++) {
        const bad = [...w];
        bad[i] = (bad[i]! + 1n) % P;
        expect(() => joinSplit.checkConstraints(bad), `public input ${i}`).to.throw(/^r1cs constraint \d+ is not satisfied$/);
      }
    });
  });

  describe("BatchInsert(12, 2)", function () {
    const leaves = (n: number): bigint[] => Array.from({ length: n }, () => randomFieldElement());

    it("a full batch and then a partial one (a flush): roots equal the TypeScript tree's", async function () {
      const tree = new NoteTree(h);
      for (const n of [NOTE_BATCH_SIZE, 3]) {
        const l = leaves(n);
        const plan = buildBatchInsert(h, tree, l);
        const w = await batch.calculateWitness(plan.input as never);
        expect(batch.publicSignals(w)).to.deep.equal([plan.oldRoot, plan.newRoot, batchChain(h, plan.batchIndex, l)]);
        expect(tree.insertBatch(l)).to.equal(plan.newRoot);
      }
      expect(tree.insertedBatches).to.equal(2);
    });

    it("rejects reordered, dropped, extra or non-zero padding leaves, and a non-empty position", async function () {
      const tree = new NoteTree(h);
      tree.insertBatch(leaves(16));
      const l = leaves(5);
      const plan = buildBatchInsert(h, tree, l);
      const input = plan.input as Record<string, unknown>;
      const padded = input.leaves as bigint[];
      const swap = [...padded];
      [swap[0], swap[1]] = [swap[1]!, swap[0]!];
      await batch.expectWitnessFailure({ ...input, leaves: swap } as never);
      const extra = [...padded];
      extra[5] = 42n;
      await batch.expectWitnessFailure({ ...input, leaves: extra } as never);
      await batch.expectWitnessFailure({ ...input, active: [...(input.active as bigint[])].map((a, i) => (i === 5 ? 1n : a)) } as never);
      await batch.expectWitnessFailure({ ...input, active: [...(input.active as bigint[])].map((a, i) => (i === 4 ? 0n : a)) } as never);
      await batch.expectWitnessFailure({ ...input, active: new Array(16).fill(0n), leaves: new Array(16).fill(0n) } as never);
      // batch 0 again (already full): the old root does not show an empty subtree there
      const again = new NoteTree(h);
      const plan0 = buildBatchInsert(h, again, l);
      await batch.expectWitnessFailure({ ...(plan0.input as Record<string, unknown>), oldRoot: tree.root() } as never);
      // the right leaves at another batch index
      await batch.expectWitnessFailure({ ...input, batchIndex: 2n } as never);
    });
  });
});
