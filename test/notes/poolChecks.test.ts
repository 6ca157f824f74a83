/**
 * ShieldedPool checks that `pool.test.ts` did not reach (issue 15 section 2: each one was a surviving
 * mutant of `npm run mutate:contracts -- --contract ShieldedPool`): the constructor's slot count, the
 * engine binding and `onlyEngine` (an EOA bound as the engine, so `absorbNote` and `emitNote` can be
 * driven directly), the order of the checks of `unshield`, `token(slot)`, the second nullifier and the
 * first commitment of a join-split, a wrong batch proof, a full tree, and the reentrancy guard of every
 * state-changing function (re-entered from a token's `transferFrom`, and for the engine-only ones from a
 * token bound as the engine). Accepting verifiers except where a proof is the point.
 */
import { expect } from "chai";
import { Wallet } from "ethers";
import { network } from "hardhat";
import { FIELD_MODULUS } from "../../prover/src/constants.js";
import { randomFieldElement, type PoolProof } from "../../prover/src/notes/index.js";
import { deployPool, deployPoseidonT3, fundShielder, poseidonT3LibraryName } from "./fixture.js";
import type { ShieldedPool } from "../../types/ethers-contracts/index.js";

const { ethers, networkHelpers } = await network.create();
const P = FIELD_MODULUS;
const USDC = 0;
const GARBAGE: PoolProof = { a: [1n, 2n], b: [[3n, 4n], [5n, 6n]], c: [7n, 8n] };
const NO_NOTE = { ephemeralKey: [0n, 0n] as [bigint, bigint], ciphertext: [0n, 0n] as [bigint, bigint] };
const spend = (root: bigint, n0 = randomFieldElement(), n1 = randomFieldElement(), c0 = randomFieldElement(), c1 = randomFieldElement()) => ({
  root,
  nullifiers: [n0, n1] as [bigint, bigint],
  commitments: [c0, c1] as [bigint, bigint],
});

async function world() {
  const [deployer, a, b, engineEoa] = await ethers.getSigners();
  const poseidonT3 = await deployPoseidonT3(deployer!);
  const accepting = await (await ethers.deployContract("NoteAcceptingVerifier")).getAddress();
  const factory = await ethers.getContractFactory("ShieldedPool", { libraries: { [poseidonT3LibraryName()]: poseidonT3 } });
  /** A pool over `tokens` (addresses), accepting verifiers unless given, not bound to any engine. */
  const poolOver = async (tokens: string[], verifiers: { joinSplit?: string; batch?: string } = {}): Promise<ShieldedPool> => {
    const slots = await ethers.deployContract("NoteAssetSlotsMock", [tokens]);
    return (await (await factory.deploy(await slots.getAddress(), verifiers.joinSplit ?? accepting, verifiers.batch ?? accepting)).waitForDeployment()) as unknown as ShieldedPool;
  };
  return { factory, poolOver, accepting, a: a!, b: b!, engineEoa: engineEoa!, poseidonT3 };
}

describe("ShieldedPool checks (mutation survivors)", function () {
  it("constructor: 0 or more than MAX_SLOTS (16) asset slots revert TooManyAssets(count); 16 are taken, each slot's token kept", async function () {
    const { factory, poolOver, accepting } = await networkHelpers.loadFixture(world);
    const addrs = Array.from({ length: 17 }, () => Wallet.createRandom().address);
    for (const n of [0, 17]) {
      const slots = await ethers.deployContract("NoteAssetSlotsMock", [addrs.slice(0, n)]);
      await expect(factory.deploy(await slots.getAddress(), accepting, accepting)).to.be.revertedWithCustomError(factory, "TooManyAssets").withArgs(n);
    }
    const pool = await poolOver(addrs.slice(0, 16));
    expect(await pool.assetCount()).to.equal(16n);
    for (const i of [0, 7, 15]) expect(await pool.token(i)).to.equal(addrs[i]);
    // token(slot) refuses a slot past the last one
    await expect(pool.token(16)).to.be.revertedWithCustomError(pool, "UnknownSlot").withArgs(16);
  });

  it("bindEngine binds the first caller once (EngineAlreadyBound(engine) after); unbound, no token moves (EngineNotBound) and nobody is the engine", async function () {
    const { poolOver, a, b, engineEoa } = await networkHelpers.loadFixture(world);
    const token = await ethers.deployContract("NoteTestToken", ["USD Coin", "USDC", 6]);
    const pool = await poolOver([await token.getAddress()]);
    await token.mint(await a.getAddress(), 10n);
    await token.connect(a).approve(await pool.getAddress(), 10n);
    await expect(pool.connect(a).shield(USDC, 1n, 1n, NO_NOTE)).to.be.revertedWithCustomError(pool, "EngineNotBound");
    const to = await a.getAddress();
    await expect(pool.connect(a).unshield(GARBAGE, spend(await pool.currentRoot()), USDC, 1n, to, to, 0n, [NO_NOTE, NO_NOTE])).to.be.revertedWithCustomError(pool, "EngineNotBound");
    await expect(pool.connect(a).absorbNote(await pool.currentRoot(), 1n)).to.be.revertedWithCustomError(pool, "NotEngine").withArgs(to);
    const e = await engineEoa.getAddress();
    await expect(pool.connect(engineEoa).bindEngine()).to.emit(pool, "EngineBound").withArgs(e);
    expect(await pool.engine()).to.equal(e);
    await expect(pool.connect(b).bindEngine()).to.be.revertedWithCustomError(pool, "EngineAlreadyBound").withArgs(e);
    await expect(pool.connect(engineEoa).bindEngine()).to.be.revertedWithCustomError(pool, "EngineAlreadyBound").withArgs(e);
    expect(await pool.engine()).to.equal(e);
    // bound: the shield pays the engine
    await pool.connect(a).shield(USDC, 1n, 1n, NO_NOTE);
    expect(await token.balanceOf(e)).to.equal(1n);
  });

  it("absorbNote and emitNote: only the engine (NotEngine(caller)); root, field and nullifier checks; the note queued", async function () {
    const { poolOver, a, engineEoa } = await networkHelpers.loadFixture(world);
    const pool = await poolOver([Wallet.createRandom().address]);
    await pool.connect(engineEoa).bindEngine();
    const asEngine = pool.connect(engineEoa);
    const root = await pool.currentRoot();
    await expect(pool.connect(a).absorbNote(root, 1n)).to.be.revertedWithCustomError(pool, "NotEngine").withArgs(await a.getAddress());
    await expect(pool.connect(a).emitNote(1n, NO_NOTE)).to.be.revertedWithCustomError(pool, "NotEngine").withArgs(await a.getAddress());
    await expect(asEngine.absorbNote(root + 1n, 1n)).to.be.revertedWithCustomError(pool, "UnknownRoot").withArgs(root + 1n);
    await expect(asEngine.absorbNote(root, P)).to.be.revertedWithCustomError(pool, "NotInField").withArgs(P);
    const n = randomFieldElement();
    await expect(asEngine.absorbNote(root, n)).to.emit(pool, "NoteAbsorbed").withArgs(n);
    expect(await pool.isSpent(n)).to.equal(true);
    await expect(asEngine.absorbNote(root, n)).to.be.revertedWithCustomError(pool, "NullifierSpent").withArgs(n);
    // the largest field element is a nullifier like any other
    await expect(asEngine.absorbNote(root, P - 1n)).to.emit(pool, "NoteAbsorbed").withArgs(P - 1n);
    // a nullifier absorbed into an account is spent for the pool too, in either position of a join-split
    await expect(pool.transfer(GARBAGE, spend(root, n), [NO_NOTE, NO_NOTE])).to.be.revertedWithCustomError(pool, "NullifierSpent").withArgs(n);
    await expect(pool.transfer(GARBAGE, spend(root, randomFieldElement(), n), [NO_NOTE, NO_NOTE])).to.be.revertedWithCustomError(pool, "NullifierSpent").withArgs(n);

    await expect(asEngine.emitNote(P, NO_NOTE)).to.be.revertedWithCustomError(pool, "NotInField").withArgs(P);
    const c = randomFieldElement();
    expect(await asEngine.emitNote.staticCall(c, NO_NOTE)).to.equal(0n);
    await expect(asEngine.emitNote(c, NO_NOTE)).to.emit(pool, "NoteQueued").withArgs(0n, c, (x: unknown) => x !== undefined);
    await expect(asEngine.emitNote(P - 1n, NO_NOTE)).to.emit(pool, "NoteQueued").withArgs(1n, P - 1n, (x: unknown) => x !== undefined);
    const q = await pool.queueState();
    expect([q.openBatch, q.openCount, q.nextBatch]).to.deep.equal([0n, 2n, 0n]);
  });

  it("join-split: the second nullifier and the first commitment at p revert NotInField; unshield checks its slot first", async function () {
    const { poolOver, a } = await networkHelpers.loadFixture(world);
    const token = await ethers.deployContract("NoteTestToken", ["USD Coin", "USDC", 6]);
    const pool = await poolOver([await token.getAddress()]);
    await ethers.deployContract("NoteCustodyHarness", [await pool.getAddress()]);
    const root = await pool.currentRoot();
    await expect(pool.transfer(GARBAGE, spend(root, randomFieldElement(), P), [NO_NOTE, NO_NOTE])).to.be.revertedWithCustomError(pool, "NotInField").withArgs(P);
    await expect(pool.transfer(GARBAGE, spend(root, randomFieldElement(), P + 5n), [NO_NOTE, NO_NOTE])).to.be.revertedWithCustomError(pool, "NotInField").withArgs(P + 5n);
    await expect(pool.transfer(GARBAGE, spend(root, randomFieldElement(), randomFieldElement(), P), [NO_NOTE, NO_NOTE])).to.be.revertedWithCustomError(pool, "NotInField").withArgs(P);
    // all four at p - 1 are field elements
    await expect(pool.transfer(GARBAGE, spend(root, P - 1n, P - 2n, P - 1n, P - 1n), [NO_NOTE, NO_NOTE])).to.emit(pool, "NullifiersSpent").withArgs(P - 1n, P - 2n);
    const to = await a.getAddress();
    // an unknown slot is refused before the amount, the fee and the recipient are looked at
    await expect(pool.unshield(GARBAGE, spend(root), 1, 0n, ethers.ZeroAddress, ethers.ZeroAddress, 1n, [NO_NOTE, NO_NOTE])).to.be.revertedWithCustomError(pool, "UnknownSlot").withArgs(1);
    await expect(pool.unshield(GARBAGE, spend(root), 7, 1n, to, to, 0n, [NO_NOTE, NO_NOTE])).to.be.revertedWithCustomError(pool, "UnknownSlot").withArgs(7);
    // and a fee to the zero relayer is refused whatever the fee's size, before any token moves
    await token.mint(to, 10n);
    await token.connect(a).approve(await pool.getAddress(), 10n);
    await pool.connect(a).shield(USDC, 10n, 1n, NO_NOTE);
    await expect(pool.unshield(GARBAGE, spend(root), USDC, 10n, to, ethers.ZeroAddress, 10n, [NO_NOTE, NO_NOTE])).to.be.revertedWithCustomError(pool, "InvalidRecipient").withArgs(to, ethers.ZeroAddress);
    // amount equal to the fee: the relayer gets it all, the recipient nothing (no zero transfer)
    const relayer = Wallet.createRandom().address;
    await expect(pool.unshield(GARBAGE, spend(root), USDC, 4n, to, relayer, 4n, [NO_NOTE, NO_NOTE])).to.emit(pool, "Unshielded").withArgs(USDC, to, relayer, 4n, 4n);
    expect(await token.balanceOf(relayer)).to.equal(4n);
    expect(await token.balanceOf(to)).to.equal(0n);
    // no fee: the recipient gets it all, a zero relayer is allowed
    await pool.unshield(GARBAGE, spend(root), USDC, 6n, to, ethers.ZeroAddress, 0n, [NO_NOTE, NO_NOTE]);
    expect(await token.balanceOf(to)).to.equal(6n);
  });

  it("a batch or a join-split that the real verifiers reject reverts InvalidProof", async function () {
    const { a } = await networkHelpers.loadFixture(world);
    const w = await deployPool(ethers);
    await fundShielder(w, USDC, a, 10n);
    await w.pool.connect(a).shield(USDC, 10n, 1n, NO_NOTE);
    await expect(w.pool.insertBatch(123n, 1, GARBAGE)).to.be.revertedWithCustomError(w.pool, "InvalidProof");
    expect((await w.pool.queueState()).openCount).to.equal(1n);
    await expect(w.pool.transfer(GARBAGE, spend(await w.pool.currentRoot()), [NO_NOTE, NO_NOTE])).to.be.revertedWithCustomError(w.pool, "InvalidProof");
  });

  it("a full tree (MAX_BATCHES batches opened) refuses the next note with TreeFull", async function () {
    const { poolOver, engineEoa } = await networkHelpers.loadFixture(world);
    const pool = await poolOver([Wallet.createRandom().address]);
    await pool.connect(engineEoa).bindEngine();
    const max = await pool.MAX_BATCHES();
    // _queue is slot 0: openBatch (uint32), openCount (uint8), nextBatch (uint32), rootCount (uint64), packed from the low end
    const packed = (max - 1n) | (15n << 32n) | (0n << 40n) | (1n << 72n);
    await networkHelpers.setStorageAt(await pool.getAddress(), 0, packed);
    const q = await pool.queueState();
    expect([q.openBatch, q.openCount, q.nextBatch]).to.deep.equal([max - 1n, 15n, 0n]);
    expect(await pool.isKnownRoot(await pool.currentRoot())).to.equal(true); // rootCount kept at 1
    // the last leaf of the last batch is taken, and closes it
    await expect(pool.connect(engineEoa).emitNote(5n, NO_NOTE)).to.emit(pool, "NoteQueued").withArgs(((max - 1n) << 4n) | 15n, 5n, (x: unknown) => x !== undefined);
    expect((await pool.queueState()).openBatch).to.equal(max);
    await expect(pool.connect(engineEoa).emitNote(6n, NO_NOTE)).to.be.revertedWithCustomError(pool, "TreeFull");
  });

  describe("the reentrancy guard of each state-changing function", function () {
    /** A pool over a ReentrantNoteToken (slot 0), bound to the custody harness, one note shielded (the custody holds 1). */
    async function reentrantWorld() {
      const base = await world();
      const token = await ethers.deployContract("ReentrantNoteToken");
      const pool = await base.poolOver([await token.getAddress()]);
      await ethers.deployContract("NoteCustodyHarness", [await pool.getAddress()]);
      await token.mint(await base.a.getAddress(), 100n);
      await token.connect(base.a).approve(await pool.getAddress(), 100n);
      await pool.connect(base.a).shield(0, 1n, 1n, NO_NOTE);
      return { ...base, token, pool };
    }
    const REENTRANCY = (pool: ShieldedPool) => pool.interface.getError("Reentrancy")!.selector;

    for (const fn of ["transfer", "unshield", "insertBatch"] as const) {
      it(`${fn}, re-entered from shield's transferFrom, reverts Reentrancy(); called on its own it goes through`, async function () {
        const { token, pool, a } = await networkHelpers.loadFixture(reentrantWorld);
        const to = await a.getAddress();
        const root = await pool.currentRoot();
        const data = (): string =>
          fn === "transfer"
            ? pool.interface.encodeFunctionData("transfer", [GARBAGE, spend(root), [NO_NOTE, NO_NOTE]])
            : fn === "unshield"
              ? pool.interface.encodeFunctionData("unshield", [GARBAGE, spend(root), 0, 1n, to, ethers.ZeroAddress, 0n, [NO_NOTE, NO_NOTE]])
              : pool.interface.encodeFunctionData("insertBatch", [77n, 2, GARBAGE]); // the outer shield's note is the second of the open batch
        await token.arm(await pool.getAddress(), data());
        await pool.connect(a).shield(0, 1n, 2n, NO_NOTE);
        expect(await token.lastRevert()).to.equal(REENTRANCY(pool));
        const q = await pool.queueState();
        expect([q.openBatch, q.openCount, q.nextBatch]).to.deep.equal([0n, 2n, 0n]); // only the two shields queued
        expect(await pool.currentRoot()).to.equal(root);
        // the same call outside of a shield succeeds (the accepting verifier): the revert above was the guard
        await a.sendTransaction({ to: await pool.getAddress(), data: data() });
        expect(await pool.currentRoot()).to.equal(fn === "insertBatch" ? 77n : root);
      });
    }

    it("absorbNote and emitNote, re-entered by the engine itself from shield's transferFrom, revert Reentrancy(); called on their own they go through", async function () {
      const { poolOver, a } = await networkHelpers.loadFixture(world);
      const token = await ethers.deployContract("ReentrantNoteToken");
      const pool = await poolOver([await token.getAddress()]);
      // the token binds itself as the pool's engine (from its hook, triggered by a transferFrom of 0)
      const trigger = async (data: string): Promise<void> => {
        await token.arm(await pool.getAddress(), data);
        await token.transferFrom(await a.getAddress(), await a.getAddress(), 0n);
      };
      await trigger(pool.interface.encodeFunctionData("bindEngine"));
      expect(await pool.engine()).to.equal(await token.getAddress());
      await token.mint(await a.getAddress(), 10n);
      await token.connect(a).approve(await pool.getAddress(), 10n);
      const root = await pool.currentRoot();
      const n = randomFieldElement();
      const absorb = pool.interface.encodeFunctionData("absorbNote", [root, n]);
      const emit = pool.interface.encodeFunctionData("emitNote", [42n, NO_NOTE]);

      await token.arm(await pool.getAddress(), absorb);
      await pool.connect(a).shield(0, 1n, 1n, NO_NOTE);
      expect(await token.lastRevert()).to.equal(REENTRANCY(pool));
      expect(await pool.isSpent(n)).to.equal(false);
      await token.arm(await pool.getAddress(), emit);
      await pool.connect(a).shield(0, 1n, 2n, NO_NOTE);
      expect(await token.lastRevert()).to.equal(REENTRANCY(pool));
      expect((await pool.queueState()).openCount).to.equal(2n); // the two shields only
      expect(await token.balanceOf(await token.getAddress())).to.equal(2n);

      // outside of a pool call the engine (the token) absorbs and emits
      await trigger(absorb);
      expect(await token.lastRevert()).to.equal("0x");
      expect(await pool.isSpent(n)).to.equal(true);
      await trigger(emit);
      expect(await token.lastRevert()).to.equal("0x");
      expect((await pool.queueState()).openCount).to.equal(3n);
    });
  });
});
