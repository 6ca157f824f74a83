/**
 * Naming a keeper: every account update names one and carries the new opening encrypted to it. An
 * unregistered or exiting keeper cannot be newly named, a keeper whose exit completed cannot be kept,
 * and the note the engine emits decrypts, for that keeper, to the trader's new opening.
 */
import { expect } from "chai";
import type { Signer } from "ethers";
import { network } from "hardhat";
import { FIELD_MODULUS } from "../../prover/src/constants.js";
import type { EngineContract, KeeperRegistryContract } from "../../prover/src/contracts.js";
import { initNoteCrypto } from "../../prover/src/keeperNote/index.js";
import { decryptOpening } from "../../prover/src/keeperNote/index.js";
import { createWorld, fund, nextEpoch, registerKeeper, type World } from "../../scripts/lib/world.js";
import { e6, GARBAGE_NOTE, GARBAGE_PROOF, traderAt, USDC } from "./helpers.js";

const { ethers, networkHelpers } = await network.create();

interface Named {
  w: World;
  alice: Signer;
}

/** Alice deposited once, naming the world's keeper (#1). */
async function namedKeeper(): Promise<Named> {
  const [, alice] = await ethers.getSigners();
  const w = await createWorld(ethers);
  await fund(w, alice!, new Map([[USDC, 10n * e6]]));
  await (await traderAt(w, alice!)).deposit(USDC, 5n * e6);
  return { w, alice: alice! };
}

describe("MarginEngine keeper naming", function () {
  const worlds = new Set<World>();
  after(async function () {
    for (const w of worlds) await w.prover.close();
  });
  async function load(): Promise<Named & { engine: EngineContract; epoch: bigint }> {
    const n = await networkHelpers.loadFixture(namedKeeper);
    worlds.add(n.w);
    return { ...n, engine: n.w.d.engine.connect(n.alice) as EngineContract, epoch: BigInt(await n.w.d.oracle.currentEpoch()) };
  }
  const note = (keeperId: bigint): typeof GARBAGE_NOTE => ({ ...GARBAGE_NOTE, keeperId });

  it("records the keeper an account names and emits its encrypted opening, which that keeper decrypts", async function () {
    const { w, alice } = await load();
    const account = await w.d.engine.accountOf(await alice.getAddress());
    expect(account.keeperId).to.equal(w.keeper.keeperId);
    const [ev] = await w.d.engine.queryFilter(w.d.engine.filters.KeeperNoteSent!(await alice.getAddress()));
    const args = (ev as unknown as { args: { keeperId: bigint; epoch: bigint; commitment: bigint; ephemeralKey: bigint[]; ciphertext: bigint[] } }).args;
    expect(args.keeperId).to.equal(w.keeper.keeperId);
    const { hx, babyjub } = await initNoteCrypto();
    const opening = decryptOpening(hx, babyjub, {
      keeperPrivateKey: w.keeper.key.privateKey,
      ephemeralKey: [args.ephemeralKey[0]!, args.ephemeralKey[1]!],
      ciphertext: [...args.ciphertext],
      nonce: args.epoch,
      owner: BigInt(await alice.getAddress()),
      commitment: args.commitment,
    });
    expect(opening.amounts[USDC]).to.equal(5n * e6);
  });

  it("reverts KeeperNotNameable for a keeper id that was never registered", async function () {
    const { w, engine, epoch } = await load();
    await expect(engine.deposit(USDC, e6, epoch, 1n, note(99n), GARBAGE_PROOF))
      .to.be.revertedWithCustomError(w.d.engine, "KeeperNotNameable")
      .withArgs(99n);
  });

  it("reverts KeeperNotNameable for a keeper that asked to exit, while an account that already named it may keep it", async function () {
    const { w, engine, epoch } = await load();
    const second = await registerKeeper(ethers, w.d);
    const registry = w.d.keeperRegistry.connect(second.operator) as KeeperRegistryContract;
    await (await registry.requestExit(second.keeperId)).wait();
    await expect(engine.deposit(USDC, e6, epoch, 1n, note(second.keeperId), GARBAGE_PROOF))
      .to.be.revertedWithCustomError(w.d.engine, "KeeperNotNameable")
      .withArgs(second.keeperId);
    // Alice's own keeper asks to exit: she may keep it (its notes still reach it) until the exit completes.
    await (await (w.d.keeperRegistry.connect(w.keeper.operator) as KeeperRegistryContract).requestExit(w.keeper.keeperId)).wait();
    await expect(engine.deposit(USDC, e6, epoch, 1n, note(w.keeper.keeperId), GARBAGE_PROOF)).to.be.revertedWithCustomError(w.d.engine, "InvalidProof");
  });

  it("reverts KeeperGone once the account's keeper completed its exit, and accepts naming an active one", async function () {
    const { w, engine } = await load();
    const other = await registerKeeper(ethers, w.d);
    const registry = w.d.keeperRegistry.connect(w.keeper.operator) as KeeperRegistryContract;
    await (await registry.requestExit(w.keeper.keeperId)).wait();
    const keeper = await w.d.keeperRegistry.keeperOf(w.keeper.keeperId);
    await networkHelpers.time.increaseTo(keeper.exitableAt);
    await (await registry.completeExit(w.keeper.keeperId)).wait();
    const epoch = await nextEpoch(w);
    await expect(engine.deposit(USDC, e6, epoch, 1n, note(w.keeper.keeperId), GARBAGE_PROOF))
      .to.be.revertedWithCustomError(w.d.engine, "KeeperGone")
      .withArgs(w.keeper.keeperId);
    await expect(engine.deposit(USDC, e6, epoch, 1n, note(other.keeperId), GARBAGE_PROOF)).to.be.revertedWithCustomError(w.d.engine, "InvalidProof");
  });

  it("reverts KeeperIdTooLarge for an id beyond the account's 40-bit field", async function () {
    const { w, engine, epoch } = await load();
    await expect(engine.deposit(USDC, e6, epoch, 1n, note(1n << 40n), GARBAGE_PROOF))
      .to.be.revertedWithCustomError(w.d.engine, "KeeperIdTooLarge")
      .withArgs(1n << 40n);
  });

  it("reverts NoteNotInField for a ciphertext or ephemeral key element at the field modulus", async function () {
    const { w, engine, epoch } = await load();
    const badCipher = { ...GARBAGE_NOTE, ciphertext: GARBAGE_NOTE.ciphertext.map((c, i) => (i === 8 ? FIELD_MODULUS : c)) };
    await expect(engine.deposit(USDC, e6, epoch, 1n, badCipher, GARBAGE_PROOF))
      .to.be.revertedWithCustomError(w.d.engine, "NoteNotInField")
      .withArgs(FIELD_MODULUS);
    const badKey = { ...GARBAGE_NOTE, ephemeralKey: [FIELD_MODULUS, 2n] as [bigint, bigint] };
    await expect(engine.deposit(USDC, e6, epoch, 1n, badKey, GARBAGE_PROOF)).to.be.revertedWithCustomError(w.d.engine, "NoteNotInField");
  });
});
