/**
 * Naming a keeper: every account update names one and carries the new opening encrypted to it. An
 * unregistered or exiting keeper cannot be newly named, a keeper whose exit completed cannot be kept,
 * and the note the engine emits decrypts, for that keeper, to the trader's new opening. No lease outlives
 * its keeper: an update that renews the lease of open positions cannot keep an exiting keeper, another
 * keeper is named over open positions only by an update that renews the lease, and the engine refuses a
 * registry whose exit delay is shorter than a lease and its grace.
 */
import { expect } from "chai";
import type { Signer } from "ethers";
import { network } from "hardhat";
import { FIELD_MODULUS } from "../../prover/src/constants.js";
import type { EngineContract, KeeperRegistryContract } from "../../prover/src/contracts.js";
import { initNoteCrypto } from "../../prover/src/keeperNote/index.js";
import { decryptOpening } from "../../prover/src/keeperNote/index.js";
import { DEV_LEASE } from "../../prover/src/devnet.js";
import { deployMarginEngine } from "../../scripts/lib/deploy.js";
import { createWorld, fund, nextEpoch, registerKeeper, seedPool, type World } from "../../scripts/lib/world.js";
import { e18, e6, ETH_PERP, GARBAGE_NOTE, GARBAGE_PROOF, traderAt, USDC } from "./helpers.js";

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

/** Alice deposited 10,000 USDC and opened a long 1 ETH-PERP, naming the world's keeper (#1). */
async function namedWithPosition(): Promise<Named> {
  const [, lp, alice] = await ethers.getSigners();
  const w = await createWorld(ethers);
  await seedPool(w, lp!, 1_000_000n * e6);
  await fund(w, alice!, new Map([[USDC, 20_000n * e6]]));
  const t = await traderAt(w, alice!);
  await t.deposit(USDC, 10_000n * e6);
  await t.trade(ETH_PERP, e18);
  return { w, alice: alice! };
}

describe("MarginEngine: no lease outlives its keeper", function () {
  const worlds = new Set<World>();
  after(async function () {
    for (const w of worlds) await w.prover.close();
  });
  const note = (keeperId: bigint): typeof GARBAGE_NOTE => ({ ...GARBAGE_NOTE, keeperId });

  it("refuses every lease-renewing update that keeps an exiting keeper (KeeperExiting): the account must name another", async function () {
    const n = await networkHelpers.loadFixture(namedWithPosition);
    worlds.add(n.w);
    const { w } = n;
    const engine = w.d.engine.connect(n.alice) as EngineContract;
    const other = await registerKeeper(ethers, w.d);
    await (await (w.d.keeperRegistry.connect(w.keeper.operator) as KeeperRegistryContract).requestExit(w.keeper.keeperId)).wait();
    const epoch = BigInt(await w.d.oracle.currentEpoch());
    const k = w.keeper.keeperId;
    await expect(engine.renewLease(epoch, 1n, note(k), GARBAGE_PROOF)).to.be.revertedWithCustomError(w.d.engine, "KeeperExiting").withArgs(k);
    await expect(engine.trade(ETH_PERP, -e18 / 2n, epoch, 1n, note(k), GARBAGE_PROOF)).to.be.revertedWithCustomError(w.d.engine, "KeeperExiting").withArgs(k);
    await expect(engine.trade(ETH_PERP, e18, epoch, 1n, note(k), GARBAGE_PROOF)).to.be.revertedWithCustomError(w.d.engine, "KeeperExiting").withArgs(k);
    await expect(engine.withdraw(USDC, e6, epoch, 1n, note(k), GARBAGE_PROOF)).to.be.revertedWithCustomError(w.d.engine, "KeeperExiting").withArgs(k);
    // Naming another, active keeper passes the keeper check (the garbage proof then fails).
    await expect(engine.renewLease(epoch, 1n, note(other.keeperId), GARBAGE_PROOF)).to.be.revertedWithCustomError(w.d.engine, "InvalidProof");
    // A deposit with positions open does not renew the lease, so it may still keep the exiting keeper.
    await expect(engine.deposit(USDC, e6, epoch, 1n, note(k), GARBAGE_PROOF)).to.be.revertedWithCustomError(w.d.engine, "InvalidProof");
  });

  it("names another keeper, while positions are open, only in an update that renews the lease (KeeperChangeNeedsRenewal)", async function () {
    const n = await networkHelpers.loadFixture(namedWithPosition);
    worlds.add(n.w);
    const { w } = n;
    const engine = w.d.engine.connect(n.alice) as EngineContract;
    const other = await registerKeeper(ethers, w.d);
    const epoch = BigInt(await w.d.oracle.currentEpoch());
    const k = w.keeper.keeperId;
    // A deposit renews nothing: an account about to lapse could otherwise hand its force-close to another keeper's bond.
    await expect(engine.deposit(USDC, e6, epoch, 1n, note(other.keeperId), GARBAGE_PROOF))
      .to.be.revertedWithCustomError(w.d.engine, "KeeperChangeNeedsRenewal")
      .withArgs(k, other.keeperId);
    // Keeping the current keeper, the deposit reaches the proof check; so does each lease-renewing update naming the other.
    await expect(engine.deposit(USDC, e6, epoch, 1n, note(k), GARBAGE_PROOF)).to.be.revertedWithCustomError(w.d.engine, "InvalidProof");
    await expect(engine.renewLease(epoch, 1n, note(other.keeperId), GARBAGE_PROOF)).to.be.revertedWithCustomError(w.d.engine, "InvalidProof");
    await expect(engine.trade(ETH_PERP, -e18 / 2n, epoch, 1n, note(other.keeperId), GARBAGE_PROOF)).to.be.revertedWithCustomError(w.d.engine, "InvalidProof");
    await expect(engine.withdraw(USDC, e6, epoch, 1n, note(other.keeperId), GARBAGE_PROOF)).to.be.revertedWithCustomError(w.d.engine, "InvalidProof");
  });

  it("lets the lease renewed last while the keeper was active lapse, grace included, before the keeper can exit", async function () {
    const n = await networkHelpers.loadFixture(namedWithPosition);
    worlds.add(n.w);
    const { w } = n;
    const account = await w.d.engine.accountOf(await n.alice.getAddress());
    await (await (w.d.keeperRegistry.connect(w.keeper.operator) as KeeperRegistryContract).requestExit(w.keeper.keeperId)).wait();
    const keeper = await w.d.keeperRegistry.keeperOf(w.keeper.keeperId);
    const lease = await w.d.engine.leaseOf(await n.alice.getAddress());
    expect(BigInt(lease.closableAt)).to.be.at.most(BigInt(keeper.exitableAt));
    expect(BigInt(account.leaseTimestamp) + BigInt(await w.d.engine.leaseMaxAge()) + BigInt(await w.d.engine.leaseGrace())).to.be.at.most(
      BigInt(keeper.exitableAt),
    );
  });

  it("rejects an engine whose keeper registry lets a keeper exit before a lease and its grace run out (ExitDelayTooShort)", async function () {
    const n = await networkHelpers.loadFixture(namedWithPosition);
    worlds.add(n.w);
    const { w } = n;
    const needed = DEV_LEASE.maxAge + DEV_LEASE.grace;
    const registry = await ethers.deployContract("KeeperRegistry", [await w.d.tokens[USDC]!.getAddress(), e6, needed - 1n, e6]);
    await expect(
      deployMarginEngine(ethers, {
        oracle: w.d.oracle,
        updateVerifier: w.d.verifier,
        insolvencyVerifier: w.d.insolvencyVerifier,
        poseidon3: w.d.poseidon3,
        keeperRegistry: registry as unknown as KeeperRegistryContract,
        settlementAsset: USDC,
        lease: DEV_LEASE,
        libraries: w.d.libraries,
      }),
    )
      .to.be.revertedWithCustomError(w.d.engine, "ExitDelayTooShort")
      .withArgs(needed - 1n, needed);
  });
});
