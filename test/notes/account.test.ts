/**
 * Accounts absorb and emit shielded notes, on the full system with real Groth16 proofs: a note enters a
 * basket at its own private slot and leaves it as a new note, no token moves between the pool and the
 * engine (one custody), and the public record of both steps carries no slot and no amount. Then every
 * attempt to break it that issue 8 lists for accounts: a note absorbed twice or spent after it was
 * absorbed, a root not in the history, a nullifier of another note, a proof replayed for another
 * account, and a note worth more than the basket can give up at initial margin.
 */
import { expect } from "chai";
import { Wallet, type Signer } from "ethers";
import { network } from "hardhat";
import { artifactPaths } from "../../prover/src/artifacts.js";
import { packProof, proofTuple } from "../../prover/src/calldata.js";
import { accountRequirement } from "../../prover/src/margin.js";
import { initNoteCrypto, noteStruct } from "../../prover/src/keeperNote/index.js";
import { initPoseidonEx } from "../../prover/src/poseidon.js";
import { Prover } from "../../prover/src/prover.js";
import type { Trader } from "../../prover/src/trader.js";
import { WitnessInputError } from "../../prover/src/validate.js";
import {
  ABSORB_CIRCUIT,
  EMIT_CIRCUIT,
  NoteTree,
  encryptedStruct,
  noteCommitment,
  planAbsorb,
  planEmit,
  proveJoinSplit,
  randomFieldElement,
  spendOf,
  type NoteWallet,
  type OwnedNote,
} from "../../prover/src/notes/index.js";
import { createWorld, nextEpoch, seedPool, type World } from "../../scripts/lib/world.js";
import { Action, BTC_PERP, e18, e6, traderAt, USDC, WETH } from "../contracts/helpers.js";
import { copyWallet, flush, newWallet, poolOf, shieldFor } from "./engineNotes.js";
import type { MarginEngine } from "../../types/ethers-contracts/index.js";

const { ethers, networkHelpers } = await network.create();
const prover = new Prover();
const h = await initPoseidonEx();
const gas: Record<string, bigint> = {};

interface Flow {
  w: World;
  /** The account (signer) that absorbs and emits; its wallet holds 5,000 USDC and 2 WETH in notes. */
  alice: Signer;
  aliceWallet: NoteWallet;
  /** Another account, and another wallet. */
  bob: Signer;
  bobWallet: NoteWallet;
  relayer: Signer;
}

async function flowFixture(): Promise<Flow> {
  const w = await createWorld(ethers, { prover });
  const [, lp, alice, bob, shielder, relayer] = await ethers.getSigners();
  await seedPool(w, lp!, 1_000_000n * e6);
  const aliceWallet = await newWallet(w);
  const bobWallet = await newWallet(w);
  // Notes are shielded from an address unrelated to the account that absorbs them.
  gas["shield (first note, fresh pool)"] = await shieldFor(w, shielder!, aliceWallet, USDC, 5_000n * e6);
  gas["shield"] = await shieldFor(w, shielder!, aliceWallet, WETH, 2n * e18);
  await shieldFor(w, shielder!, bobWallet, USDC, 700n * e6);
  await flush(w, aliceWallet, shielder!, prover);
  await bobWallet.scan(ethers.provider);
  return { w, alice: alice!, aliceWallet, bob: bob!, bobWallet, relayer: relayer! };
}

/** The fixture, with its own copies of the wallets (they are not reverted with the chain). */
async function load(): Promise<Flow> {
  const f = await networkHelpers.loadFixture(flowFixture);
  return { ...f, aliceWallet: await copyWallet(f.aliceWallet), bobWallet: await copyWallet(f.bobWallet) };
}
const noteOf = (wallet: NoteWallet, slot: number): OwnedNote => wallet.notes({ slot }).find((n) => n.inTree)!;
const absorbArgs = (wallet: NoteWallet, slot: number) => ({ note: noteOf(wallet, slot), spendingSecret: wallet.keys.spendingSecret, tree: wallet.tree });

/** Token balances of the engine (the one custody) and of the pool. */
async function custody(w: World, slot: number): Promise<{ engine: bigint; pool: bigint }> {
  const t = w.d.tokens[slot]!;
  return { engine: BigInt(await t.balanceOf(await w.d.engine.getAddress())), pool: BigInt(await t.balanceOf(await w.d.shieldedPool.getAddress())) };
}

/** A proof of absorbing `note` into `opening`'s account, planned and proved here (not sent). */
async function handAbsorb(w: World, trader: Trader, note: OwnedNote, secret: bigint, tree: NoteTree) {
  const keeper = { crypto: await initNoteCrypto(), keeper: { keeperId: w.keeper.keeperId, key: w.keeper.key.publicKey }, nonce: BigInt(await w.d.oracle.currentEpoch()) };
  const weights = (await w.d.oracle.weightVectors())[0].map(BigInt);
  const plan = planAbsorb(h, trader.opening, { note, spendingSecret: secret, tree }, weights, keeper);
  const out = await prover.prove(artifactPaths().circuit(ABSORB_CIRCUIT), plan.input);
  return { plan, note: noteStruct(plan.note), proof: proofTuple(packProof(out.proof)) };
}

describe("Accounts absorb and emit shielded notes (real proofs)", function () {
  after(async function () {
    await prover.close();
    console.log("\n      gas (tx, 21k base included):");
    for (const [k, v] of Object.entries(gas)) console.log(`        ${k.padEnd(44)} ${v.toLocaleString("en-US")}`);
  });

  it("absorbs a note into the basket at its own slot; the update's public delta is 0 and no token moves", async function () {
    const f = await load();
    const before = await custody(f.w, USDC);
    const a = await traderAt(f.w, f.alice);
    const r = await a.absorbNote(absorbArgs(f.aliceWallet, USDC));
    gas["absorbNote (first update of the account)"] = r.gasUsed;
    expect(a.opening.amounts[USDC]).to.equal(5_000n * e6);
    expect(await custody(f.w, USDC)).to.deep.equal(before);
    const rc = await ethers.provider.getTransactionReceipt(r.txHash);
    const engine = f.w.d.engine.interface;
    const ev = rc!.logs.map((l) => { try { return engine.parseLog(l); } catch { return null; } }).find((e) => e?.name === "AccountUpdated")!;
    expect(ev.args.action).to.equal(Action.AbsorbNote);
    expect(ev.args.asset).to.equal(0n);
    expect(ev.args.delta).to.equal(0n);
    expect(ev.args.requirement).to.equal(0n);
    // the wallet sees the note spent
    const scan = await f.aliceWallet.scan(ethers.provider);
    expect(scan.spent.map((n) => n.amount)).to.deep.equal([5_000n * e6]);
    expect(f.aliceWallet.balance(USDC)).to.equal(0n);
    // a second absorb (WETH) on an account that already has a commitment
    const r2 = await a.absorbNote(absorbArgs(f.aliceWallet, WETH));
    gas["absorbNote"] = r2.gasUsed;
    expect(a.opening.amounts[WETH]).to.equal(2n * e18);
  });

  it("emits a note out of a basket with an open position; the recipient finds it, and unshields it through a relayer", async function () {
    const f = await load();
    const a = await traderAt(f.w, f.alice);
    await a.absorbNote(absorbArgs(f.aliceWallet, USDC));
    await a.trade(BTC_PERP, e18 / 20n); // needs initial margin from now on
    const before = await custody(f.w, USDC);
    const s = f.aliceWallet.planShield(USDC, 1_000n * e6, f.bobWallet.address);
    const r = await a.emitNote(s.note, s.encrypted);
    gas["emitNote (open position)"] = r.gasUsed;
    expect(r.requirement).to.be.greaterThan(0n);
    expect(a.opening.amounts[USDC]).to.equal(4_000n * e6 + r.delta.amount);
    expect(await custody(f.w, USDC)).to.deep.equal(before);
    // bob's wallet finds it; once inserted, bob unshields it to a fresh address, the fee to a relayer
    const scan = await f.bobWallet.scan(ethers.provider);
    expect(scan.received.map((n) => n.amount)).to.deep.equal([1_000n * e6]);
    await flush(f.w, f.bobWallet, f.relayer, prover);
    const recipient = Wallet.createRandom().address;
    const spend = f.bobWallet.planUnshield({ slot: USDC, amount: 1_700n * e6, recipient, relayer: await f.relayer.getAddress(), fee: 3n * e6 });
    const { proof } = await proveJoinSplit(prover, spend.plan);
    await (await poolOf(f.w).connect(f.relayer).unshield(proof, spendOf(spend.plan), USDC, 1_700n * e6, recipient, await f.relayer.getAddress(), 3n * e6, [encryptedStruct(spend.encrypted[0]), encryptedStruct(spend.encrypted[1])])).wait();
    expect(await f.w.d.tokens[USDC]!.balanceOf(recipient)).to.equal(1_697n * e6);
    expect((await custody(f.w, USDC)).engine).to.equal(before.engine - 1_700n * e6);
  });

  describe("attempts to break it", function () {
    it("absorbing a note twice, or spending it in the pool after it was absorbed, fails on its nullifier", async function () {
      const f = await load();
      const a = await traderAt(f.w, f.alice);
      const args = absorbArgs(f.aliceWallet, USDC);
      await a.absorbNote(args);
      await expect(a.absorbNote(args)).to.be.revertedWithCustomError(poolOf(f.w), "NullifierSpent").withArgs(args.note.nullifier);
      // the wallet, not yet rescanned, still plans to spend it: the pool refuses
      const t = f.aliceWallet.planTransfer({ to: f.bobWallet.address, slot: USDC, amount: 1n });
      const tp = await proveJoinSplit(prover, t.plan);
      await expect(poolOf(f.w).transfer(tp.proof, spendOf(t.plan), [encryptedStruct(t.encrypted[0]), encryptedStruct(t.encrypted[1])]))
        .to.be.revertedWithCustomError(poolOf(f.w), "NullifierSpent");
    });

    it("a note absorbed against a root that is not in the pool's history fails (UnknownRoot), as does one not in the tree", async function () {
      const f = await load();
      const a = await traderAt(f.w, f.alice);
      // a tree the pool never had: alice's note plus a forged leaf in a second batch
      const fake = new NoteTree(h);
      fake.insertBatch([0, 1, 2].map((i) => f.aliceWallet.tree.leaf(i))); // the pool's only batch
      expect(fake.root()).to.equal(await poolOf(f.w).currentRoot());
      const forged = { slot: USDC, amount: 9_999n * e6, ownerKey: f.aliceWallet.keys.ownerKey, blinding: randomFieldElement() };
      const forgedCommitment = noteCommitment(h, forged);
      fake.insertBatch([forgedCommitment]);
      const p = await handAbsorb(f.w, a, { ...forged, leafIndex: 16, commitment: forgedCommitment, nullifier: 0n }, f.aliceWallet.keys.spendingSecret, fake);
      const engine = f.w.d.engine.connect(f.alice) as typeof f.w.d.engine;
      const epoch = await f.w.d.oracle.currentEpoch();
      await expect(engine.absorbNote(epoch, p.plan.publicSignals.newCommitment, p.note, p.proof, p.plan.root, p.plan.nullifier))
        .to.be.revertedWithCustomError(poolOf(f.w), "UnknownRoot").withArgs(p.plan.root);
      // the same proof with the pool's real root: the forged note is not under it
      await expect(engine.absorbNote(epoch, p.plan.publicSignals.newCommitment, p.note, p.proof, await poolOf(f.w).currentRoot(), p.plan.nullifier))
        .to.be.revertedWithCustomError(f.w.d.engine, "InvalidProof");
    });

    it("a proof with the nullifier of another note, or replayed by another account, fails (InvalidProof)", async function () {
      const f = await load();
      const a = await traderAt(f.w, f.alice);
      const args = absorbArgs(f.aliceWallet, USDC);
      const p = await handAbsorb(f.w, a, args.note, f.aliceWallet.keys.spendingSecret, args.tree);
      const epoch = await f.w.d.oracle.currentEpoch();
      const asAlice = f.w.d.engine.connect(f.alice) as typeof f.w.d.engine;
      const bobNote = noteOf(f.bobWallet, USDC);
      await expect(asAlice.absorbNote(epoch, p.plan.publicSignals.newCommitment, p.note, p.proof, p.plan.root, bobNote.nullifier))
        .to.be.revertedWithCustomError(f.w.d.engine, "InvalidProof");
      // bob submits alice's proof for his own account: it opens alice's commitment, not bob's
      const asBob = f.w.d.engine.connect(f.bob) as typeof f.w.d.engine;
      await expect(asBob.absorbNote(epoch, p.plan.publicSignals.newCommitment, p.note, p.proof, p.plan.root, p.plan.nullifier))
        .to.be.revertedWithCustomError(f.w.d.engine, "InvalidProof");
      // alice's own submission still works, and the nullifier was not burnt by the failed attempts
      await (await asAlice.absorbNote(epoch, p.plan.publicSignals.newCommitment, p.note, p.proof, p.plan.root, p.plan.nullifier)).wait();
      expect(await poolOf(f.w).isSpent(p.plan.nullifier)).to.equal(true);
    });

    it("a note worth more than the basket can give up at initial margin cannot be proved, and a proof at a lower requirement is refused", async function () {
      const f = await load();
      const a = await traderAt(f.w, f.alice);
      await a.absorbNote(absorbArgs(f.aliceWallet, USDC));
      await a.trade(BTC_PERP, e18 / 20n);
      const s = f.aliceWallet.planShield(USDC, a.opening.amounts[USDC]!, f.bobWallet.address);
      let refused: unknown;
      await a.emitNote(s.note, s.encrypted).catch((err: unknown) => { refused = err; });
      expect(refused).to.be.instanceOf(WitnessInputError);
      expect((refused as Error).message).to.match(/requirement/);
      // proved against requirement 0: the engine derives the real one, so the statement differs
      const keeper = { crypto: await initNoteCrypto(), keeper: { keeperId: f.w.keeper.keeperId, key: f.w.keeper.key.publicKey }, nonce: BigInt(await f.w.d.oracle.currentEpoch()) };
      const weights = (await f.w.d.oracle.weightVectors())[0].map(BigInt);
      const plan = planEmit(h, a.opening, s.note, 0n, weights, keeper);
      const out = await prover.prove(artifactPaths().circuit(EMIT_CIRCUIT), plan.input);
      const engine = f.w.d.engine.connect(f.alice) as typeof f.w.d.engine;
      await expect(engine.emitNote(await f.w.d.oracle.currentEpoch(), plan.publicSignals.newCommitment, noteStruct(plan.note), proofTuple(packProof(out.proof)), plan.noteCommitment, encryptedStruct(s.encrypted)))
        .to.be.revertedWithCustomError(f.w.d.engine, "InvalidProof");
      // the requirement the engine used is the one the trader computes
      const v = await a.view();
      expect(await f.w.d.engine.requirementOf(await f.alice.getAddress(), true)).to.equal(accountRequirement(v.positions, v.markets, true));
    });

    it("only the pool may ask the engine to pay out a note (NotShieldedPool); the pool is bound once", async function () {
      const f = await load();
      await expect((f.w.d.engine.connect(f.bob) as unknown as MarginEngine).releaseNote(USDC, await f.bob.getAddress(), 1n))
        .to.be.revertedWithCustomError(f.w.d.engine, "NotShieldedPool").withArgs(await f.bob.getAddress());
      expect(await poolOf(f.w).engine()).to.equal(await f.w.d.engine.getAddress());
      await expect(poolOf(f.w).connect(f.bob).bindEngine()).to.be.revertedWithCustomError(poolOf(f.w), "EngineAlreadyBound");
      await expect(poolOf(f.w).connect(f.bob).absorbNote(await poolOf(f.w).currentRoot(), 1n)).to.be.revertedWithCustomError(poolOf(f.w), "NotEngine");
      await expect(poolOf(f.w).connect(f.bob).emitNote(1n, { ephemeralKey: [0n, 0n], ciphertext: [0n, 0n] })).to.be.revertedWithCustomError(poolOf(f.w), "NotEngine");
    });

    it("an emit proof for a stale epoch is refused (StaleEpoch), and a note commitment at p is refused before verification", async function () {
      const f = await load();
      const a = await traderAt(f.w, f.alice);
      await a.absorbNote(absorbArgs(f.aliceWallet, USDC));
      const keeper = { crypto: await initNoteCrypto(), keeper: { keeperId: f.w.keeper.keeperId, key: f.w.keeper.key.publicKey }, nonce: BigInt(await f.w.d.oracle.currentEpoch()) };
      const weights = (await f.w.d.oracle.weightVectors())[0].map(BigInt);
      const s = f.aliceWallet.planShield(USDC, 10n * e6, f.bobWallet.address);
      const plan = planEmit(h, a.opening, s.note, 0n, weights, keeper);
      const out = await prover.prove(artifactPaths().circuit(EMIT_CIRCUIT), plan.input);
      const engine = f.w.d.engine.connect(f.alice) as typeof f.w.d.engine;
      const epoch = await f.w.d.oracle.currentEpoch();
      const send = (e: bigint, c: bigint) => engine.emitNote(e, plan.publicSignals.newCommitment, noteStruct(plan.note), proofTuple(packProof(out.proof)), c, encryptedStruct(s.encrypted));
      const { FIELD_MODULUS } = await import("../../prover/src/constants.js");
      await expect(send(epoch, FIELD_MODULUS)).to.be.revertedWithCustomError(f.w.d.engine, "CommitmentNotInField");
      await nextEpoch(f.w);
      await expect(send(epoch, plan.noteCommitment)).to.be.revertedWithCustomError(f.w.d.engine, "StaleEpoch");
    });
  });
});
