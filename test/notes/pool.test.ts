/**
 * ShieldedPool with real Groth16 proofs: shield -> flush -> private transfer -> flush -> unshield
 * through a relayer to a fresh address, driven by two wallets that find their notes by scanning;
 * then every attempt to break it that applies to the pool (double spend, unknown or expired root,
 * a nullifier of another note, fee above the value, tampered external data, amounts at 2^96 and
 * public inputs at or above p). Checks that come before verification use an accepting verifier.
 */
import { expect } from "chai";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Wallet, type Signer } from "ethers";
import { network } from "hardhat";
import { getBabyJub } from "../../prover/src/babyjub.js";
import { FIELD_MODULUS } from "../../prover/src/constants.js";
import { initPoseidonEx } from "../../prover/src/poseidon.js";
import { Prover } from "../../prover/src/prover.js";
import {
  NOTE_BATCH_SIZE,
  NOTE_MAX_BATCHES,
  NOTE_ROOT_HISTORY,
  NOTE_TREE_LEVELS,
  NoteTree,
  NoteWallet,
  encryptedStruct,
  proveBatchInsert,
  proveJoinSplit,
  randomFieldElement,
  randomNoteKeys,
  spendOf,
  type PlannedSpend,
  type PoolProof,
} from "../../prover/src/notes/index.js";
import { deployPool, fundShielder, poseidonT3LibraryName, type PoolWorld } from "./fixture.js";

const { ethers, networkHelpers } = await network.create();
const prover = new Prover();
const h = await initPoseidonEx();
const bj = await getBabyJub();
const P = FIELD_MODULUS;
const USDC = 0;
const WETH = 1;
const e6 = 10n ** 6n;
const gas: Record<string, bigint> = {};
const GARBAGE: PoolProof = { a: [1n, 2n], b: [[3n, 4n], [5n, 6n]], c: [7n, 8n] };
const NO_NOTE = { ephemeralKey: [0n, 0n] as [bigint, bigint], ciphertext: [0n, 0n] as [bigint, bigint] };

const tmp = (): string => join(mkdtempSync(join(tmpdir(), "plimsoll-notes-")), "wallet.json");

async function newWallet(w: PoolWorld): Promise<NoteWallet> {
  const chainId = (await ethers.provider.getNetwork()).chainId;
  return NoteWallet.create({ keys: randomNoteKeys(h, bj), path: tmp(), chainId, pool: await w.pool.getAddress() });
}

/** Shields `amount` of `slot` from `who` into a note for `wallet`. */
async function shield(w: PoolWorld, who: Signer, wallet: NoteWallet, slot: number, amount: bigint): Promise<bigint> {
  await fundShielder(w, slot, who, amount);
  const s = wallet.planShield(slot, amount);
  const rc = await (await w.pool.connect(who).shield(slot, amount, s.inner, encryptedStruct(s.encrypted))).wait();
  return rc!.gasUsed;
}

/** Proves and submits the next batch from `wallet`'s view of the queue (after a scan). */
async function flush(w: PoolWorld, wallet: NoteWallet, who: Signer): Promise<bigint> {
  await wallet.scan(ethers.provider);
  const plan = wallet.planBatchInsert();
  if (plan === undefined) throw new Error("nothing to flush");
  const { proof } = await proveBatchInsert(prover, plan);
  const rc = await (await w.pool.connect(who).insertBatch(plan.newRoot, plan.count, proof)).wait();
  await wallet.scan(ethers.provider);
  return rc!.gasUsed;
}

interface Flow {
  w: PoolWorld;
  alice: NoteWallet;
  bob: NoteWallet;
  signers: Signer[];
  relayer: Signer;
  relayerAddress: string;
  /** Bob's unshield of 1,000 USDC (5 fee) to a fresh address: planned and proved, not sent. */
  unshield: { spend: PlannedSpend; proof: PoolProof; recipient: string };
}

async function flowFixture(): Promise<Flow> {
  const w = await deployPool(ethers);
  const signers = await ethers.getSigners();
  const [, a, b, c, relayer] = signers;
  const alice = await newWallet(w);
  const bob = await newWallet(w);
  gas["shield (first note, fresh pool)"] = await shield(w, a!, alice, USDC, 1_000n * e6);
  gas["shield"] = await shield(w, a!, alice, USDC, 500n * e6);
  await shield(w, c!, bob, WETH, 10n ** 18n);
  gas["insertBatch (flush of 3)"] = await flush(w, alice, c!);
  expect(alice.balance(USDC, true)).to.equal(1_500n * e6);

  // alice pays bob 1,200 USDC privately: two inputs, two outputs
  await bob.scan(ethers.provider);
  const t = alice.planTransfer({ to: bob.address, slot: USDC, amount: 1_200n * e6 });
  expect(t.spends).to.have.length(2);
  const tp = await proveJoinSplit(prover, t.plan);
  const rc = await (await w.pool.connect(b!).transfer(tp.proof, spendOf(t.plan), [encryptedStruct(t.encrypted[0]), encryptedStruct(t.encrypted[1])])).wait();
  gas["transfer 2-in/2-out"] = rc!.gasUsed;
  gas["insertBatch (flush of 2)"] = await flush(w, bob, c!);
  await alice.scan(ethers.provider);
  expect(alice.balance(USDC)).to.equal(300n * e6);
  expect(bob.balance(USDC, true)).to.equal(1_200n * e6);
  expect(bob.balance(WETH, true)).to.equal(10n ** 18n);

  const recipient = Wallet.createRandom().address;
  const spend = bob.planUnshield({ slot: USDC, amount: 1_000n * e6, recipient, relayer: await relayer!.getAddress(), fee: 5n * e6 });
  const { proof } = await proveJoinSplit(prover, spend.plan);
  return { w, alice, bob, signers, relayer: relayer!, relayerAddress: await relayer!.getAddress(), unshield: { spend, proof, recipient } };
}

function unshieldCall(f: Flow, over: Partial<{ amount: bigint; recipient: string; relayer: string; fee: bigint; slot: number; proof: PoolProof }> = {}) {
  const s = f.unshield.spend;
  return f.w.pool.connect(f.relayer).unshield(
    over.proof ?? f.unshield.proof,
    spendOf(s.plan),
    over.slot ?? USDC,
    over.amount ?? 1_000n * e6,
    over.recipient ?? f.unshield.recipient,
    over.relayer ?? f.relayerAddress,
    over.fee ?? 5n * e6,
    [encryptedStruct(s.encrypted[0]), encryptedStruct(s.encrypted[1])],
  );
}

describe("ShieldedPool", function () {
  after(async function () {
    await prover.close();
    console.log("\n      gas (tx, 21k base included):");
    for (const [k, v] of Object.entries(gas)) console.log(`        ${k.padEnd(40)} ${v.toLocaleString("en-US")}`);
  });

  describe("round trip with real proofs", function () {
    it("shield -> transfer -> unshield through a relayer to a fresh address", async function () {
      const f = await networkHelpers.loadFixture(flowFixture);
      const usdc = f.w.tokens[USDC]!;
      const rc = await (await unshieldCall(f)).wait();
      gas["unshield with relayer fee (fresh recipient)"] = rc!.gasUsed;
      expect(await usdc.balanceOf(f.unshield.recipient)).to.equal(995n * e6);
      expect(await usdc.balanceOf(await f.relayer.getAddress())).to.equal(5n * e6);
      expect(await usdc.balanceOf(f.w.custody)).to.equal(500n * e6);
      expect(await usdc.balanceOf(await f.w.pool.getAddress())).to.equal(0n);
      await f.bob.scan(ethers.provider);
      expect(f.bob.balance(USDC)).to.equal(200n * e6); // the change, queued
      expect(f.bob.balance(USDC, true)).to.equal(0n); // not in the tree until its batch is inserted
      const spent = f.bob.notes({ includeSpent: true, slot: USDC }).filter((n) => n.spent);
      expect(spent.map((n) => n.amount)).to.deep.equal([1_200n * e6]);
      // the recipient never touched the pool and holds no ETH
      expect(await ethers.provider.getBalance(f.unshield.recipient)).to.equal(0n);
    });

    it("a wallet reopened from its store, or rebuilt from its keys alone, sees the same notes and tree", async function () {
      const f = await networkHelpers.loadFixture(flowFixture);
      const again = await NoteWallet.open({ keys: f.bob.keys, path: f.bob.path });
      expect(again.tree.root()).to.equal(await f.w.pool.currentRoot());
      expect(again.notes().map((n) => n.amount)).to.deep.equal(f.bob.notes().map((n) => n.amount));
      // restored from the keys alone (a lost store), scanning 3 blocks per query
      const chainId = (await ethers.provider.getNetwork()).chainId;
      const fresh = await NoteWallet.create({ keys: f.bob.keys, path: tmp(), chainId, pool: await f.w.pool.getAddress() });
      const found = await fresh.scan(ethers.provider, undefined, 3);
      expect(found.received.map((n) => n.amount).sort()).to.deep.equal([10n ** 18n, 1_200n * e6].sort());
      expect(fresh.tree.root()).to.equal(await f.w.pool.currentRoot());
      expect(fresh.balance(USDC, true)).to.equal(1_200n * e6);
    });
  });

  describe("attempts to break it (real proofs)", function () {
    it("spending a note twice fails", async function () {
      const f = await networkHelpers.loadFixture(flowFixture);
      await (await unshieldCall(f)).wait();
      const n0 = f.unshield.spend.plan.publicSignals.nullifiers[0];
      await expect(unshieldCall(f)).to.be.revertedWithCustomError(f.w.pool, "NullifierSpent").withArgs(n0);
    });

    it("a relayer cannot change the fee, the recipient or itself, nor the amount or the slot", async function () {
      const f = await networkHelpers.loadFixture(flowFixture);
      const pool = f.w.pool;
      await expect(unshieldCall(f, { fee: 6n * e6 })).to.be.revertedWithCustomError(pool, "InvalidProof");
      await expect(unshieldCall(f, { recipient: Wallet.createRandom().address })).to.be.revertedWithCustomError(pool, "InvalidProof");
      await expect(unshieldCall(f, { relayer: Wallet.createRandom().address })).to.be.revertedWithCustomError(pool, "InvalidProof");
      await expect(unshieldCall(f, { amount: 1_001n * e6 })).to.be.revertedWithCustomError(pool, "InvalidProof");
      await expect(unshieldCall(f, { slot: WETH })).to.be.revertedWithCustomError(pool, "InvalidProof");
    });

    it("a relayer fee above the value unshielded fails; above the note's value cannot be proved", async function () {
      const f = await networkHelpers.loadFixture(flowFixture);
      await expect(unshieldCall(f, { fee: 1_000n * e6 + 1n })).to.be.revertedWithCustomError(f.w.pool, "FeeExceedsAmount").withArgs(1_000n * e6 + 1n, 1_000n * e6);
      // bob's note is worth 1,200: an unshield of more cannot even be planned, and a witness for it does not exist
      expect(() => f.bob.planUnshield({ slot: USDC, amount: 1_300n * e6, recipient: f.unshield.recipient, relayer: f.unshield.recipient, fee: 1_250n * e6 })).to.throw(/more than two spendable notes/);
    });

    it("the encrypted outputs are bound: swapping them fails", async function () {
      const f = await networkHelpers.loadFixture(flowFixture);
      const s = f.unshield.spend;
      await expect(
        f.w.pool.unshield(f.unshield.proof, spendOf(s.plan), USDC, 1_000n * e6, f.unshield.recipient, await f.relayer.getAddress(), 5n * e6, [encryptedStruct(s.encrypted[1]), encryptedStruct(s.encrypted[0])]),
      ).to.be.revertedWithCustomError(f.w.pool, "InvalidProof");
    });

    it("a nullifier that belongs to another note, or another commitment, fails", async function () {
      const f = await networkHelpers.loadFixture(flowFixture);
      const s = f.unshield.spend;
      const spend = spendOf(s.plan);
      const aliceSpent = f.alice.notes({ includeSpent: true }).find((n) => n.spent)!;
      const call = (sp: typeof spend) => f.w.pool.unshield(f.unshield.proof, sp, USDC, 1_000n * e6, f.unshield.recipient, f.relayerAddress, 5n * e6, [encryptedStruct(s.encrypted[0]), encryptedStruct(s.encrypted[1])]);
      await expect(call({ ...spend, nullifiers: [randomFieldElement(), spend.nullifiers[1]] })).to.be.revertedWithCustomError(f.w.pool, "InvalidProof");
      await expect(call({ ...spend, nullifiers: [aliceSpent.nullifier, spend.nullifiers[1]] })).to.be.revertedWithCustomError(f.w.pool, "NullifierSpent");
      await expect(call({ ...spend, commitments: [spend.commitments[0], randomFieldElement()] })).to.be.revertedWithCustomError(f.w.pool, "InvalidProof");
    });

    it("a root not in the history fails; a note not yet in the tree cannot be spent", async function () {
      const f = await networkHelpers.loadFixture(flowFixture);
      const s = f.unshield.spend;
      const spend = { ...spendOf(s.plan), root: randomFieldElement() };
      await expect(f.w.pool.unshield(f.unshield.proof, spend, USDC, 1_000n * e6, f.unshield.recipient, await f.relayer.getAddress(), 5n * e6, [encryptedStruct(s.encrypted[0]), encryptedStruct(s.encrypted[1])]))
        .to.be.revertedWithCustomError(f.w.pool, "UnknownRoot").withArgs(spend.root);
      // alice's change (300) was queued by the transfer and inserted by the flush; a fresh shield is only queued
      await shield(f.w, f.signers[1]!, f.alice, USDC, 7n * e6);
      await f.alice.scan(ethers.provider);
      expect(f.alice.balance(USDC)).to.equal(307n * e6);
      expect(() => f.alice.planTransfer({ to: f.bob.address, slot: USDC, amount: 307n * e6 })).to.throw(/waiting for its batch/);
    });
  });

  describe("checks before verification (accepting verifier)", function () {
    async function acceptingFixture() {
      const v = await (await ethers.deployContract("NoteAcceptingVerifier")).getAddress();
      const w = await deployPool(ethers, { joinSplitVerifier: v, batchVerifier: v });
      const [, a] = await ethers.getSigners();
      await fundShielder(w, USDC, a!, 10n ** 30n);
      return { w, a: a! };
    }
    const spend = (root: bigint, n0 = randomFieldElement(), n1 = randomFieldElement()) => ({ root, nullifiers: [n0, n1] as [bigint, bigint], commitments: [randomFieldElement(), randomFieldElement()] as [bigint, bigint] });

    it("shield: unknown slot, amount 0 or 2^96, inner >= p, a fee-on-transfer token", async function () {
      const { w, a } = await networkHelpers.loadFixture(acceptingFixture);
      const pool = w.pool.connect(a);
      await expect(pool.shield(3, 1n, 1n, NO_NOTE)).to.be.revertedWithCustomError(pool, "UnknownSlot").withArgs(3);
      await expect(pool.shield(USDC, 0n, 1n, NO_NOTE)).to.be.revertedWithCustomError(pool, "InvalidAmount").withArgs(0);
      await expect(pool.shield(USDC, 1n << 96n, 1n, NO_NOTE)).to.be.revertedWithCustomError(pool, "InvalidAmount").withArgs(1n << 96n);
      await expect(pool.shield(USDC, P - 1n, 1n, NO_NOTE)).to.be.revertedWithCustomError(pool, "InvalidAmount").withArgs(P - 1n);
      await expect(pool.shield(USDC, 1n, P, NO_NOTE)).to.be.revertedWithCustomError(pool, "NotInField").withArgs(P);
      await pool.shield(USDC, (1n << 96n) - 1n, P - 1n, NO_NOTE);
      await w.tokens[USDC]!.setTransferFeeBps(10n);
      await expect(pool.shield(USDC, 10_000n, 1n, NO_NOTE)).to.be.revertedWithCustomError(pool, "TransferMismatch");
    });

    it("join-split: nullifiers and commitments at or above p, a duplicated nullifier, amounts at 2^96", async function () {
      const { w, a } = await networkHelpers.loadFixture(acceptingFixture);
      const pool = w.pool.connect(a);
      const root = await pool.currentRoot();
      const n = randomFieldElement();
      await pool.transfer(GARBAGE, spend(root, n), [NO_NOTE, NO_NOTE]);
      // the same nullifier plus p would alias it in the circuit: refused
      await expect(pool.transfer(GARBAGE, spend(root, n + P), [NO_NOTE, NO_NOTE])).to.be.revertedWithCustomError(pool, "NotInField").withArgs(n + P);
      await expect(pool.transfer(GARBAGE, spend(root, n), [NO_NOTE, NO_NOTE])).to.be.revertedWithCustomError(pool, "NullifierSpent").withArgs(n);
      const m = randomFieldElement();
      await expect(pool.transfer(GARBAGE, spend(root, m, m), [NO_NOTE, NO_NOTE])).to.be.revertedWithCustomError(pool, "DuplicateNullifier").withArgs(m);
      const bad = spend(root);
      bad.commitments[1] = P;
      await expect(pool.transfer(GARBAGE, bad, [NO_NOTE, NO_NOTE])).to.be.revertedWithCustomError(pool, "NotInField").withArgs(P);
      const to = await a.getAddress();
      await expect(pool.unshield(GARBAGE, spend(root), USDC, 1n << 96n, to, to, 0n, [NO_NOTE, NO_NOTE])).to.be.revertedWithCustomError(pool, "InvalidAmount");
      await expect(pool.unshield(GARBAGE, spend(root), USDC, 0n, to, to, 0n, [NO_NOTE, NO_NOTE])).to.be.revertedWithCustomError(pool, "InvalidAmount");
      await expect(pool.unshield(GARBAGE, spend(root), 7, 1n, to, to, 0n, [NO_NOTE, NO_NOTE])).to.be.revertedWithCustomError(pool, "UnknownSlot");
      await expect(pool.unshield(GARBAGE, spend(root), USDC, 1n, ethers.ZeroAddress, to, 0n, [NO_NOTE, NO_NOTE])).to.be.revertedWithCustomError(pool, "InvalidRecipient");
      await expect(pool.unshield(GARBAGE, spend(root), USDC, 2n, to, ethers.ZeroAddress, 1n, [NO_NOTE, NO_NOTE])).to.be.revertedWithCustomError(pool, "InvalidRecipient");
    });

    it("queue: batches close at 16, a flush closes a partial one, nothing to insert, new root >= p", async function () {
      const { w, a } = await networkHelpers.loadFixture(acceptingFixture);
      const pool = w.pool.connect(a);
      await expect(pool.insertBatch(1n, 1, GARBAGE)).to.be.revertedWithCustomError(pool, "NothingToInsert");
      for (let i = 0; i < 17; i++) await pool.shield(USDC, 1n, BigInt(i + 1), NO_NOTE);
      let q = await pool.queueState();
      expect([q.openBatch, q.openCount, q.nextBatch]).to.deep.equal([1n, 1n, 0n]);
      expect(await pool.closedChain(0)).to.not.equal(0n);
      await expect(pool.insertBatch(P, 16, GARBAGE)).to.be.revertedWithCustomError(pool, "NotInField").withArgs(P);
      await expect(pool.insertBatch(11n, 1, GARBAGE)).to.be.revertedWithCustomError(pool, "BatchChanged").withArgs(0, 1, 16);
      await expect(pool.insertBatch(11n, 16, GARBAGE)).to.emit(pool, "BatchInserted").withArgs(0, 11n, 16);
      expect(await pool.closedChain(0)).to.equal(0n);
      // a flush proved for 1 leaf goes stale when a second note joins the open batch first
      await pool.shield(USDC, 1n, 77n, NO_NOTE);
      await expect(pool.insertBatch(12n, 1, GARBAGE)).to.be.revertedWithCustomError(pool, "BatchChanged").withArgs(1, 1, 2);
      await expect(pool.insertBatch(12n, 2, GARBAGE)).to.emit(pool, "BatchInserted").withArgs(1, 12n, 2);
      q = await pool.queueState();
      expect([q.openBatch, q.openCount, q.openChain, q.nextBatch]).to.deep.equal([2n, 0n, 2n, 2n]);
      await expect(pool.insertBatch(13n, 1, GARBAGE)).to.be.revertedWithCustomError(pool, "NothingToInsert");
      // the next note goes to batch 2, leaf 32
      await expect(pool.shield(USDC, 1n, 99n, NO_NOTE)).to.emit(pool, "NoteQueued").withArgs(32, (x: bigint) => x > 0n, (x: unknown) => x !== undefined);
    });

    it("roots: the current one and the 63 before it are accepted, older ones and 0 are not", async function () {
      const { w, a } = await networkHelpers.loadFixture(acceptingFixture);
      const pool = w.pool.connect(a);
      const empty = await pool.emptyRoot();
      expect(empty).to.equal(new NoteTree(h).root()); // the constant is the TypeScript tree's Z[12]
      expect([await pool.TREE_LEVELS(), await pool.BATCH_SIZE(), await pool.MAX_BATCHES(), await pool.ROOT_HISTORY()]).to.deep.equal([
        BigInt(NOTE_TREE_LEVELS), BigInt(NOTE_BATCH_SIZE), BigInt(NOTE_MAX_BATCHES), BigInt(NOTE_ROOT_HISTORY),
      ]);
      expect(await pool.isKnownRoot(empty)).to.equal(true);
      expect(await pool.isKnownRoot(0n)).to.equal(false);
      for (let i = 1; i <= 64; i++) {
        await pool.shield(USDC, 1n, 1n, NO_NOTE);
        await pool.insertBatch(BigInt(1000 + i), 1, GARBAGE);
      }
      expect(await pool.isKnownRoot(1001n)).to.equal(true); // 63 newer roots
      expect(await pool.isKnownRoot(empty)).to.equal(false); // 64 newer roots
      await expect(pool.transfer(GARBAGE, spend(empty), [NO_NOTE, NO_NOTE])).to.be.revertedWithCustomError(pool, "UnknownRoot").withArgs(empty);
      await pool.transfer(GARBAGE, spend(1001n), [NO_NOTE, NO_NOTE]);
    });

    it("a token that re-enters the pool during shield is stopped by the guard", async function () {
      const { poseidonT3 } = (await networkHelpers.loadFixture(acceptingFixture)).w; // first: loadFixture reverts the chain
      const token = await ethers.deployContract("ReentrantNoteToken");
      const slots = await ethers.deployContract("NoteAssetSlotsMock", [[await token.getAddress()]]);
      const v = await (await ethers.deployContract("NoteAcceptingVerifier")).getAddress();
      const factory = await ethers.getContractFactory("ShieldedPool", { libraries: { [poseidonT3LibraryName()]: poseidonT3 } });
      const pool = await (await factory.deploy(await slots.getAddress(), v, v)).waitForDeployment();
      await ethers.deployContract("NoteCustodyHarness", [await pool.getAddress()]);
      const [, a] = await ethers.getSigners();
      await token.mint(await a!.getAddress(), 10n);
      await token.connect(a!).approve(await pool.getAddress(), 10n);
      await token.arm(await pool.getAddress(), pool.interface.encodeFunctionData("shield", [0, 1n, 1n, NO_NOTE]));
      await (pool.connect(a!) as typeof pool).shield(0, 1n, 2n, NO_NOTE);
      // the inner shield, made from inside the outer one, reverted with Reentrancy()
      expect(await token.lastRevert()).to.equal(pool.interface.getError("Reentrancy")!.selector);
      expect((await (pool as typeof pool).queueState()).openCount).to.equal(1n);
    });

    it("has no owner, admin, pause or upgrade function", async function () {
      const { w } = await networkHelpers.loadFixture(acceptingFixture);
      const names = w.pool.interface.fragments.filter((f) => f.type === "function").map((f) => (f as unknown as { name: string }).name);
      for (const forbidden of ["owner", "transferOwnership", "pause", "unpause", "upgradeTo", "setVerifier", "setToken"]) expect(names).to.not.include(forbidden);
      expect(await w.pool.token(USDC)).to.equal(await w.tokens[USDC]!.getAddress());
    });
  });
});
