/**
 * KeeperRegistry: every custom error by name and arguments, the events, the bond accounting, the
 * life cycle Active -> Exiting -> Exited with `isNameable` / `isBound`, the exit delay to the
 * second, keys that can never come back, and governance-freedom. Keys are generated with
 * prover/src/keeper (circomlibjs); invalid ones are built from circomlibjs' 8-torsion.
 */
import { expect } from "chai";
import { buildBabyjub } from "circomlibjs";
import type { Signer } from "ethers";
import { network } from "hardhat";
import { FIELD_MODULUS } from "../../prover/src/constants.js";
import {
  BASE8,
  generateKeeperKey,
  getBabyJub,
  keyProofChallenge,
  proveKeyPossession,
  randomScalar,
  SUB_ORDER,
  verifyKeyPossession,
  type KeeperKey,
  type KeyProof,
  type KeyProofContext,
  type Point,
} from "../../prover/src/keeper/index.js";
import type { KeeperRegistry, MockERC20 } from "../../types/ethers-contracts/index.js";

const { ethers, networkHelpers } = await network.create();

const P = FIELD_MODULUS;
const BOND = 1_000n * 10n ** 18n;
const EXIT_DELAY = 14n * 24n * 3600n;
/** The most one shortfall draws from a bond. */
const CAP = 400n * 10n ** 18n;
/** The registry's Status enum. */
const Status = { None: 0n, Active: 1n, Exiting: 2n, Exited: 3n } as const;

const bj = await getBabyJub();
const raw = await buildBabyjub();
/** circomlibjs' generator of the whole group (order 8 * SUB_ORDER; Base8 = 8 * Generator). */
const GENERATOR: Point = [raw.F.toObject(raw.Generator[0]) as bigint, raw.F.toObject(raw.Generator[1]) as bigint];
/** A point of order 8; k * T8 for k = 1..7 are the non-identity low-order points. */
const T8 = bj.mul(SUB_ORDER, GENERATOR);

/** Gas figures, printed after the suite. */
const gas: Record<string, bigint> = {};

interface Fixture {
  registry: KeeperRegistry;
  token: MockERC20;
  alice: Signer;
  bob: Signer;
  carol: Signer;
  /** Three valid keys, none registered. */
  keys: Point[];
  /** Their key pairs. */
  pairs: KeeperKey[];
}

/** A proof for the invalid-key tests: the key is checked (and rejected) before any proof is. */
const NO_PROOF: KeyProof = { rx: 0n, ry: 1n, s: 0n };

/** What a proof by `who` for `registry` on this chain is bound to. */
async function contextOf(registry: KeeperRegistry, who: Signer): Promise<KeyProofContext> {
  return { chainId: (await ethers.provider.getNetwork()).chainId, registry: await registry.getAddress(), owner: await who.getAddress() };
}

/** `who` registers `key` with its proof of possession. */
async function reg(registry: KeeperRegistry, who: Signer, key: KeeperKey) {
  return registry.connect(who).register(key.publicKey[0], key.publicKey[1], await proveKeyPossession(key, await contextOf(registry, who)));
}

async function registryFixture(): Promise<Fixture> {
  const [, alice, bob, carol] = await ethers.getSigners();
  const token = (await ethers.deployContract("MockERC20", ["Keeper bond", "BOND", 18])) as unknown as MockERC20;
  const registry = (await ethers.deployContract("KeeperRegistry", [await token.getAddress(), BOND, EXIT_DELAY, CAP])) as unknown as KeeperRegistry;
  for (const who of [alice!, bob!, carol!]) {
    await token.mint(await who.getAddress(), 10n * BOND);
    await token.connect(who).approve(await registry.getAddress(), 10n * BOND);
  }
  const pairs = await Promise.all([0, 1, 2].map(() => generateKeeperKey()));
  return { registry, token, alice: alice!, bob: bob!, carol: carol!, keys: pairs.map((k) => k.publicKey), pairs };
}

/** The fixture with alice's keys[0] registered as keeper 1 and bob's keys[1] as keeper 2. */
async function registeredFixture(): Promise<Fixture> {
  const f = await registryFixture();
  gas["register (first keeper)"] = (await (await reg(f.registry, f.alice, f.pairs[0]!)).wait())!.gasUsed;
  gas["register (next keeper)"] = (await (await reg(f.registry, f.bob, f.pairs[1]!)).wait())!.gasUsed;
  return f;
}

const addr = (who: Signer): Promise<string> => who.getAddress();

describe("KeeperRegistry", function () {
  after(function () {
    console.log("\n      KeeperRegistry gas (whole transaction):");
    for (const [k, v] of Object.entries(gas)) console.log(`        ${k.padEnd(40)} ${v.toLocaleString("en-US")}`);
  });

  describe("constructor", function () {
    it("sets the bond token, bond amount and exit delay, and starts with no keeper", async function () {
      const { registry, token } = await networkHelpers.loadFixture(registryFixture);
      expect(await registry.bondToken()).to.equal(await token.getAddress());
      expect(await registry.bondAmount()).to.equal(BOND);
      expect(await registry.exitDelay()).to.equal(EXIT_DELAY);
      expect(await registry.keeperCount()).to.equal(0n);
    });

    it("rejects a bond token without code, a zero bond and an exit delay of 0 or above 2^32 - 1", async function () {
      const { registry, token, alice } = await networkHelpers.loadFixture(registryFixture);
      const factory = await ethers.getContractFactory("KeeperRegistry");
      const t = await token.getAddress();
      await expect(factory.deploy(ethers.ZeroAddress, BOND, EXIT_DELAY, CAP)).to.be.revertedWithCustomError(registry, "InvalidBondToken").withArgs(ethers.ZeroAddress);
      await expect(factory.deploy(await addr(alice), BOND, EXIT_DELAY, CAP)).to.be.revertedWithCustomError(registry, "InvalidBondToken").withArgs(await addr(alice));
      await expect(factory.deploy(t, 0n, EXIT_DELAY, CAP)).to.be.revertedWithCustomError(registry, "ZeroBond");
      await expect(factory.deploy(t, BOND, 0n, CAP)).to.be.revertedWithCustomError(registry, "InvalidExitDelay").withArgs(0n);
      await expect(factory.deploy(t, BOND, 1n << 32n, CAP)).to.be.revertedWithCustomError(registry, "InvalidExitDelay").withArgs(1n << 32n);
      const longest = await factory.deploy(t, BOND, (1n << 32n) - 1n, CAP);
      expect(await (longest as unknown as KeeperRegistry).exitDelay()).to.equal((1n << 32n) - 1n);
    });

    it("rejects a draw cap of 0 or above the bond, and accepts one equal to the bond", async function () {
      const { registry, token } = await networkHelpers.loadFixture(registryFixture);
      const factory = await ethers.getContractFactory("KeeperRegistry");
      const t = await token.getAddress();
      expect(await registry.drawCap()).to.equal(CAP);
      expect(await registry.engine()).to.equal(ethers.ZeroAddress);
      await expect(factory.deploy(t, BOND, EXIT_DELAY, 0n)).to.be.revertedWithCustomError(registry, "InvalidDrawCap").withArgs(0n);
      await expect(factory.deploy(t, BOND, EXIT_DELAY, BOND + 1n)).to.be.revertedWithCustomError(registry, "InvalidDrawCap").withArgs(BOND + 1n);
      const whole = await factory.deploy(t, BOND, EXIT_DELAY, BOND);
      expect(await (whole as unknown as KeeperRegistry).drawCap()).to.equal(BOND);
    });
  });

  describe("#register", function () {
    it("registers a subgroup key as keeper 1, pulls the bond and emits KeeperRegistered", async function () {
      const { registry, token, alice, keys, pairs } = await networkHelpers.loadFixture(registryFixture);
      const [x, y] = keys[0]!;
      const proof = await proveKeyPossession(pairs[0]!, await contextOf(registry, alice));
      expect(await registry.connect(alice).register.staticCall(x, y, proof)).to.equal(1n);
      const tx = registry.connect(alice).register(x, y, proof);
      await expect(tx).to.emit(registry, "KeeperRegistered").withArgs(1n, await addr(alice), x, y, BOND);
      await expect(tx).to.changeTokenBalances(ethers, token, [alice, registry], [-BOND, BOND]);
      const k = await registry.keeperOf(1n);
      expect([k.owner, k.status, k.exitableAt, k.bondShort, k.x, k.y]).to.deep.equal([await addr(alice), Status.Active, 0n, false, x, y]);
      expect(await registry.bondOf(1n)).to.equal(BOND);
      expect(await registry.keyOf(1n)).to.deep.equal([x, y]);
      expect(await registry.keeperIdOf(x, y)).to.equal(1n);
      expect(await registry.isNameable(1n)).to.equal(true);
      expect(await registry.isBound(1n)).to.equal(true);
      expect(await registry.keeperCount()).to.equal(1n);
    });

    it("numbers keepers 1, 2, 3 in order of registration, one owner holding several", async function () {
      const { registry, alice, bob, keys, pairs } = await networkHelpers.loadFixture(registryFixture);
      await reg(registry, alice, pairs[0]!);
      await reg(registry, bob, pairs[1]!);
      await expect(reg(registry, alice, pairs[2]!))
        .to.emit(registry, "KeeperRegistered")
        .withArgs(3n, await addr(alice), keys[2]![0], keys[2]![1], BOND);
      expect((await registry.keeperOf(2n)).owner).to.equal(await addr(bob));
      expect((await registry.keeperOf(3n)).owner).to.equal(await addr(alice));
      expect(await registry.keeperCount()).to.equal(3n);
    });

    it("rejects a key already registered, by anyone holding it, naming its keeper", async function () {
      const { registry, alice, bob, pairs } = await networkHelpers.loadFixture(registeredFixture);
      for (const who of [alice, bob]) {
        await expect(reg(registry, who, pairs[0]!)).to.be.revertedWithCustomError(registry, "KeyAlreadyRegistered").withArgs(1n);
      }
      await expect(reg(registry, alice, pairs[1]!)).to.be.revertedWithCustomError(registry, "KeyAlreadyRegistered").withArgs(2n);
    });

    it("rejects a coordinate not below the field modulus, even one that reduces to a valid key", async function () {
      const { registry, alice, keys } = await networkHelpers.loadFixture(registryFixture);
      const [x, y] = keys[0]!;
      await expect(registry.connect(alice).register(x + P, y, NO_PROOF)).to.be.revertedWithCustomError(registry, "CoordinateNotInField").withArgs(x + P);
      await expect(registry.connect(alice).register(x, y + P, NO_PROOF)).to.be.revertedWithCustomError(registry, "CoordinateNotInField").withArgs(y + P);
      await expect(registry.connect(alice).register(P, 1n, NO_PROOF)).to.be.revertedWithCustomError(registry, "CoordinateNotInField").withArgs(P);
      await expect(registry.connect(alice).register(ethers.MaxUint256, y, NO_PROOF)).to.be.revertedWithCustomError(registry, "CoordinateNotInField").withArgs(ethers.MaxUint256);
    });

    it("rejects a point off the curve", async function () {
      const { registry, alice, keys } = await networkHelpers.loadFixture(registryFixture);
      const [x, y] = keys[0]!;
      for (const [a, b] of [[x, (y + 1n) % P], [1n, 1n], [0n, 0n], [P - 1n, P - 1n]] as const) {
        await expect(registry.connect(alice).register(a, b, NO_PROOF)).to.be.revertedWithCustomError(registry, "NotOnCurve").withArgs(a, b);
      }
    });

    it("rejects the identity (0, 1)", async function () {
      const { registry, alice } = await networkHelpers.loadFixture(registryFixture);
      await expect(registry.connect(alice).register(0n, 1n, NO_PROOF)).to.be.revertedWithCustomError(registry, "IdentityKey");
    });

    it("rejects every low-order point: (0, P-1) of order 2, the two of order 4 and the four of order 8", async function () {
      const { registry, alice } = await networkHelpers.loadFixture(registryFixture);
      const low = [1n, 2n, 3n, 4n, 5n, 6n, 7n].map((k) => bj.mul(k, T8));
      expect(low[3]).to.deep.equal([0n, P - 1n]);
      for (const [a, b] of low) {
        await expect(registry.connect(alice).register(a, b, NO_PROOF)).to.be.revertedWithCustomError(registry, "NotInSubgroup").withArgs(a, b);
      }
    });

    it("rejects a subgroup key shifted by a low-order point, and the whole group's generator", async function () {
      const { registry, alice, keys } = await networkHelpers.loadFixture(registryFixture);
      for (const [a, b] of [bj.add(keys[0]!, T8), bj.add(keys[0]!, [0n, P - 1n]), GENERATOR]) {
        await expect(registry.connect(alice).register(a, b, NO_PROOF)).to.be.revertedWithCustomError(registry, "NotInSubgroup").withArgs(a, b);
      }
    });

    it("accepts the negation of a registered key as a different key", async function () {
      const { registry, carol, keys, pairs } = await networkHelpers.loadFixture(registeredFixture);
      const [x, y] = keys[0]!;
      // -(x, y) = (P - x, y) is (SUB_ORDER - k) * Base8: a different key, with its own private half.
      const negated: KeeperKey = { privateKey: SUB_ORDER - pairs[0]!.privateKey, publicKey: [P - x, y] };
      await expect(reg(registry, carol, negated)).to.emit(registry, "KeeperRegistered").withArgs(3n, await addr(carol), P - x, y, BOND);
    });

    it("reverts TransferFailed and registers nothing when the bond cannot be pulled", async function () {
      const { registry, token, alice, keys, pairs } = await networkHelpers.loadFixture(registryFixture);
      await token.connect(alice).approve(await registry.getAddress(), BOND - 1n);
      await expect(reg(registry, alice, pairs[0]!))
        .to.be.revertedWithCustomError(registry, "TransferFailed")
        .withArgs(await token.getAddress(), await addr(alice), await registry.getAddress(), BOND);
      expect(await registry.keeperCount()).to.equal(0n);
      expect(await registry.keeperIdOf(keys[0]![0], keys[0]![1])).to.equal(0n);
    });
  });

  describe("#register: proof of possession (no squatting)", function () {
    it("accepts the key's own proof, which the TypeScript verifier accepts too", async function () {
      const { registry, alice, pairs } = await networkHelpers.loadFixture(registryFixture);
      const ctx = await contextOf(registry, alice);
      const proof = await proveKeyPossession(pairs[0]!, ctx);
      expect(await verifyKeyPossession(pairs[0]!.publicKey, proof, ctx)).to.equal(true);
      await expect(registry.connect(alice).register(pairs[0]!.publicKey[0], pairs[0]!.publicKey[1], proof)).to.emit(registry, "KeeperRegistered");
    });

    it("rejects a squatter who replays the owner's proof from the mempool (the proof binds the caller)", async function () {
      const { registry, alice, bob, keys, pairs } = await networkHelpers.loadFixture(registryFixture);
      const proof = await proveKeyPossession(pairs[0]!, await contextOf(registry, alice));
      await expect(registry.connect(bob).register(keys[0]![0], keys[0]![1], proof)).to.be.revertedWithCustomError(registry, "InvalidKeyProof");
      expect(await verifyKeyPossession(keys[0]!, proof, await contextOf(registry, bob))).to.equal(false);
      // The owner's own transaction still goes through afterwards: nothing was burnt.
      await expect(registry.connect(alice).register(keys[0]![0], keys[0]![1], proof)).to.emit(registry, "KeeperRegistered");
    });

    it("rejects a proof made for another registry or another chain", async function () {
      const { registry, token, alice, keys, pairs } = await networkHelpers.loadFixture(registryFixture);
      const other = (await ethers.deployContract("KeeperRegistry", [await token.getAddress(), BOND, EXIT_DELAY, CAP])) as unknown as KeeperRegistry;
      const elsewhere = await proveKeyPossession(pairs[0]!, await contextOf(other, alice));
      await expect(registry.connect(alice).register(keys[0]![0], keys[0]![1], elsewhere)).to.be.revertedWithCustomError(registry, "InvalidKeyProof");
      const ctx = await contextOf(registry, alice);
      const otherChain = await proveKeyPossession(pairs[0]!, { ...ctx, chainId: ctx.chainId + 1n });
      await expect(registry.connect(alice).register(keys[0]![0], keys[0]![1], otherChain)).to.be.revertedWithCustomError(registry, "InvalidKeyProof");
    });

    it("rejects a proof made with another private key (claiming someone else's public key)", async function () {
      const { registry, bob, keys, pairs } = await networkHelpers.loadFixture(registryFixture);
      // Bob proves knowledge of his own key, but claims alice's public key.
      const ctx = await contextOf(registry, bob);
      const own = await proveKeyPossession(pairs[1]!, ctx);
      await expect(registry.connect(bob).register(keys[0]![0], keys[0]![1], own)).to.be.revertedWithCustomError(registry, "InvalidKeyProof");
      // Nor does a proof "by" the wrong scalar for that key help.
      const wrong = await proveKeyPossession({ privateKey: pairs[1]!.privateKey, publicKey: keys[0]! }, ctx);
      await expect(registry.connect(bob).register(keys[0]![0], keys[0]![1], wrong)).to.be.revertedWithCustomError(registry, "InvalidKeyProof");
    });

    it("rejects a forgery that solves for R from a guessed challenge: R = s * Base8 - c * A (c depends on R)", async function () {
      const { registry, bob, keys } = await networkHelpers.loadFixture(registryFixture);
      const s0 = randomScalar();
      const c0 = randomScalar();
      const A = keys[0]!;
      const R = bj.add(bj.mul(s0, BASE8), bj.mul(SUB_ORDER - c0, A));
      const forged = { rx: R[0], ry: R[1], s: s0 };
      const ctx = await contextOf(registry, bob);
      expect(keyProofChallenge(ctx, A, R)).to.not.equal(c0);
      expect(await verifyKeyPossession(A, forged, ctx)).to.equal(false);
      await expect(registry.connect(bob).register(A[0], A[1], forged)).to.be.revertedWithCustomError(registry, "InvalidKeyProof");
    });

    it("rejects a bad response: s + 1, s - 1, and s not reduced (s + SUB_ORDER, 2^256 - 1) with ScalarNotReduced", async function () {
      const { registry, alice, keys, pairs } = await networkHelpers.loadFixture(registryFixture);
      const p = await proveKeyPossession(pairs[0]!, await contextOf(registry, alice));
      const [x, y] = keys[0]!;
      for (const s of [(p.s + 1n) % SUB_ORDER, (p.s + SUB_ORDER - 1n) % SUB_ORDER, 0n]) {
        await expect(registry.connect(alice).register(x, y, { ...p, s })).to.be.revertedWithCustomError(registry, "InvalidKeyProof");
      }
      for (const s of [p.s + SUB_ORDER, SUB_ORDER, ethers.MaxUint256]) {
        await expect(registry.connect(alice).register(x, y, { ...p, s })).to.be.revertedWithCustomError(registry, "ScalarNotReduced").withArgs(s);
      }
    });

    it("rejects R off the curve or with a non-canonical coordinate (NotOnCurve), and R outside the subgroup", async function () {
      const { registry, alice, keys, pairs } = await networkHelpers.loadFixture(registryFixture);
      const p = await proveKeyPossession(pairs[0]!, await contextOf(registry, alice));
      const [x, y] = keys[0]!;
      for (const [rx, ry] of [[p.rx, (p.ry + 1n) % P], [p.rx + P, p.ry], [p.rx, p.ry + P]] as const) {
        await expect(registry.connect(alice).register(x, y, { rx, ry, s: p.s })).to.be.revertedWithCustomError(registry, "NotOnCurve").withArgs(rx, ry);
      }
      // R shifted by a low-order point, with the response the honest formula gives for that R's challenge.
      const ctx = await contextOf(registry, alice);
      for (const t of [T8, [0n, P - 1n] as Point]) {
        const r = randomScalar();
        const R = bj.add(bj.mul(r, BASE8), t);
        const s = (r + keyProofChallenge(ctx, keys[0]!, R) * pairs[0]!.privateKey) % SUB_ORDER;
        expect(await verifyKeyPossession(keys[0]!, { rx: R[0], ry: R[1], s }, ctx)).to.equal(false);
        await expect(registry.connect(alice).register(x, y, { rx: R[0], ry: R[1], s })).to.be.revertedWithCustomError(registry, "InvalidKeyProof");
      }
    });

    it("checks the key before the proof: a low-order key with any proof is NotInSubgroup", async function () {
      const { registry, alice, keys, pairs } = await networkHelpers.loadFixture(registryFixture);
      const p = await proveKeyPossession(pairs[0]!, await contextOf(registry, alice));
      const [a, b] = bj.add(keys[0]!, T8);
      await expect(registry.connect(alice).register(a, b, p)).to.be.revertedWithCustomError(registry, "NotInSubgroup").withArgs(a, b);
    });
  });

  describe("#requestExit", function () {
    it("lets only the owner request the exit", async function () {
      const { registry, alice, bob } = await networkHelpers.loadFixture(registeredFixture);
      await expect(registry.connect(bob).requestExit(1n))
        .to.be.revertedWithCustomError(registry, "NotKeeperOwner")
        .withArgs(1n, await addr(bob), await addr(alice));
    });

    it("rejects an unknown keeper id", async function () {
      const { registry, alice } = await networkHelpers.loadFixture(registeredFixture);
      for (const id of [0n, 3n, ethers.MaxUint256]) {
        await expect(registry.connect(alice).requestExit(id)).to.be.revertedWithCustomError(registry, "UnknownKeeper").withArgs(id);
      }
    });

    it("starts the exit clock: not nameable from now on, but still bound, and the other keepers untouched", async function () {
      const { registry, alice } = await networkHelpers.loadFixture(registeredFixture);
      const tx = await registry.connect(alice).requestExit(1n);
      const at = BigInt((await tx.getBlock())!.timestamp) + EXIT_DELAY;
      await expect(tx).to.emit(registry, "ExitRequested").withArgs(1n, await addr(alice), at);
      gas["requestExit"] = (await tx.wait())!.gasUsed;
      expect(await registry.isNameable(1n)).to.equal(false);
      expect(await registry.isBound(1n)).to.equal(true);
      const k = await registry.keeperOf(1n);
      expect([k.status, k.exitableAt]).to.deep.equal([Status.Exiting, at]);
      expect([await registry.isNameable(2n), await registry.isBound(2n)]).to.deep.equal([true, true]);
    });

    it("statusOf follows the record's status through the life cycle (None, Active, Exiting, Exited), the other keepers untouched", async function () {
      const { registry, alice } = await networkHelpers.loadFixture(registeredFixture);
      const both = async () => [await registry.statusOf(1n), await registry.statusOf(2n), await registry.statusOf(99n)];
      expect(await both()).to.deep.equal([Status.Active, Status.Active, Status.None]);
      await registry.connect(alice).requestExit(1n);
      expect(await both()).to.deep.equal([Status.Exiting, Status.Active, Status.None]);
      await networkHelpers.time.increase(EXIT_DELAY);
      await registry.connect(alice).completeExit(1n);
      expect(await both()).to.deep.equal([Status.Exited, Status.Active, Status.None]);
      expect(await registry.statusOf(1n)).to.equal((await registry.keeperOf(1n)).status);
    });

    it("cannot be requested twice, nor after the exit completed", async function () {
      const { registry, alice } = await networkHelpers.loadFixture(registeredFixture);
      await registry.connect(alice).requestExit(1n);
      await expect(registry.connect(alice).requestExit(1n)).to.be.revertedWithCustomError(registry, "NotActive").withArgs(1n, Status.Exiting);
      await networkHelpers.time.increase(EXIT_DELAY);
      await registry.connect(alice).completeExit(1n);
      await expect(registry.connect(alice).requestExit(1n)).to.be.revertedWithCustomError(registry, "NotActive").withArgs(1n, Status.Exited);
    });
  });

  describe("#completeExit", function () {
    it("rejects a keeper whose exit was not requested", async function () {
      const { registry, alice } = await networkHelpers.loadFixture(registeredFixture);
      await expect(registry.connect(alice).completeExit(1n)).to.be.revertedWithCustomError(registry, "NotExiting").withArgs(1n, Status.Active);
    });

    it("reverts before the delay with the time from which it can complete, and completes at that second", async function () {
      const { registry, alice } = await networkHelpers.loadFixture(registeredFixture);
      const tx = await registry.connect(alice).requestExit(1n);
      const at = BigInt((await tx.getBlock())!.timestamp) + EXIT_DELAY;
      await expect(registry.connect(alice).completeExit(1n)).to.be.revertedWithCustomError(registry, "ExitDelayNotElapsed").withArgs(1n, at);
      await networkHelpers.time.setNextBlockTimestamp(at - 1n);
      await expect(registry.connect(alice).completeExit(1n)).to.be.revertedWithCustomError(registry, "ExitDelayNotElapsed").withArgs(1n, at);
      await networkHelpers.time.setNextBlockTimestamp(at);
      await expect(registry.connect(alice).completeExit(1n)).to.emit(registry, "ExitCompleted");
    });

    it("lets only the owner complete the exit", async function () {
      const { registry, alice, bob } = await networkHelpers.loadFixture(registeredFixture);
      await registry.connect(alice).requestExit(1n);
      await networkHelpers.time.increase(EXIT_DELAY);
      await expect(registry.connect(bob).completeExit(1n))
        .to.be.revertedWithCustomError(registry, "NotKeeperOwner")
        .withArgs(1n, await addr(bob), await addr(alice));
      await expect(registry.connect(bob).completeExit(7n)).to.be.revertedWithCustomError(registry, "UnknownKeeper").withArgs(7n);
    });

    it("after the delay returns the bond, and the keeper is neither nameable nor bound", async function () {
      const { registry, token, alice } = await networkHelpers.loadFixture(registeredFixture);
      await registry.connect(alice).requestExit(1n);
      await networkHelpers.time.increase(EXIT_DELAY);
      const tx = registry.connect(alice).completeExit(1n);
      await expect(tx).to.emit(registry, "ExitCompleted").withArgs(1n, await addr(alice), BOND);
      await expect(tx).to.changeTokenBalances(ethers, token, [alice, registry], [BOND, -BOND]);
      expect(await registry.bondOf(1n)).to.equal(0n);
      gas["completeExit"] = (await (await tx).wait())!.gasUsed;
      expect(await registry.isNameable(1n)).to.equal(false);
      expect(await registry.isBound(1n)).to.equal(false);
      expect((await registry.keeperOf(1n)).status).to.equal(Status.Exited);
      await expect(registry.connect(alice).completeExit(1n)).to.be.revertedWithCustomError(registry, "NotExiting").withArgs(1n, Status.Exited);
    });

    it("retires the key for good: it cannot be registered again, and keyOf still answers", async function () {
      const { registry, alice, carol, keys, pairs } = await networkHelpers.loadFixture(registeredFixture);
      await registry.connect(alice).requestExit(1n);
      await networkHelpers.time.increase(EXIT_DELAY);
      await registry.connect(alice).completeExit(1n);
      // Carol holds the private key too (it may have leaked): still refused.
      for (const who of [alice, carol]) {
        await expect(reg(registry, who, pairs[0]!)).to.be.revertedWithCustomError(registry, "KeyAlreadyRegistered").withArgs(1n);
      }
      expect(await registry.keyOf(1n)).to.deep.equal([keys[0]![0], keys[0]![1]]);
      expect(await registry.keeperIdOf(keys[0]![0], keys[0]![1])).to.equal(1n);
    });

    it("holds exactly one bond per keeper that has not completed its exit", async function () {
      const { registry, token, alice, bob, carol, pairs } = await networkHelpers.loadFixture(registeredFixture);
      const held = async (): Promise<bigint> => token.balanceOf(await registry.getAddress());
      await reg(registry, carol, pairs[2]!);
      expect(await held()).to.equal(3n * BOND);
      await registry.connect(alice).requestExit(1n);
      await registry.connect(bob).requestExit(2n);
      expect(await held()).to.equal(3n * BOND);
      await networkHelpers.time.increase(EXIT_DELAY);
      await registry.connect(bob).completeExit(2n);
      expect(await held()).to.equal(2n * BOND);
      const bound = await Promise.all([1n, 2n, 3n].map((id) => registry.isBound(id)));
      expect(bound).to.deep.equal([true, false, true]);
    });
  });

  describe("the bond backs the keeper's accounts", function () {
    /** The registered fixture, bound to an EOA `engine` that pays a `pool`. */
    async function boundFixture() {
      const f = await registeredFixture();
      const [, , , , engine, pool, stranger] = await ethers.getSigners();
      await (await f.registry.connect(engine!).bindEngine()).wait();
      return { ...f, engine: engine!, pool: pool!, stranger: stranger! };
    }
    const held = async (f: Fixture): Promise<bigint> => f.token.balanceOf(await f.registry.getAddress());

    it("binds one engine, once: the first caller, and EngineAlreadyBound after", async function () {
      const { registry, alice, bob } = await networkHelpers.loadFixture(registeredFixture);
      await expect(registry.connect(bob).bindEngine()).to.emit(registry, "EngineBound").withArgs(await addr(bob));
      expect(await registry.engine()).to.equal(await addr(bob));
      for (const who of [alice, bob]) {
        await expect(registry.connect(who).bindEngine()).to.be.revertedWithCustomError(registry, "EngineAlreadyBound").withArgs(await addr(bob));
      }
    });

    it("lets only the engine draw or repay: the owner, a stranger, and anyone while unbound get OnlyEngine", async function () {
      const unbound = await networkHelpers.loadFixture(registeredFixture);
      await expect(unbound.registry.connect(unbound.alice).drawBond(1n, 1n, await addr(unbound.alice)))
        .to.be.revertedWithCustomError(unbound.registry, "OnlyEngine")
        .withArgs(await addr(unbound.alice));
      const f = await networkHelpers.loadFixture(boundFixture);
      for (const who of [f.alice, f.stranger, f.pool]) {
        await expect(f.registry.connect(who).drawBond(1n, 1n, await addr(who))).to.be.revertedWithCustomError(f.registry, "OnlyEngine").withArgs(await addr(who));
        await expect(f.registry.connect(who).repayBond(1n, 0n)).to.be.revertedWithCustomError(f.registry, "OnlyEngine").withArgs(await addr(who));
      }
      expect(await held(f)).to.equal(2n * BOND);
    });

    it("draws up to the cap, then what is left, pays the pool, and makes the keeper not nameable (but still bound)", async function () {
      const f = await networkHelpers.loadFixture(boundFixture);
      const r = f.registry.connect(f.engine);
      const small = 150n * 10n ** 18n;
      expect(await r.drawBond.staticCall(1n, small, await addr(f.pool))).to.equal(small);
      let tx = r.drawBond(1n, small, await addr(f.pool));
      await expect(tx).to.emit(f.registry, "BondDrawn").withArgs(1n, small, small, BOND - small);
      await expect(tx).to.changeTokenBalances(ethers, f.token, [f.pool, f.registry], [small, -small]);
      gas["drawBond"] = (await (await tx).wait())!.gasUsed;
      expect([await f.registry.isNameable(1n), await f.registry.isBound(1n), (await f.registry.keeperOf(1n)).bondShort]).to.deep.equal([false, true, true]);
      // A shortfall above the cap draws the cap.
      tx = r.drawBond(1n, 10n * BOND, await addr(f.pool));
      await expect(tx).to.emit(f.registry, "BondDrawn").withArgs(1n, 10n * BOND, CAP, BOND - small - CAP);
      // Then only what is left (1000 - 150 - 400 = 450 > cap: the cap again, then the last 50).
      await (await r.drawBond(1n, 10n * BOND, await addr(f.pool))).wait();
      expect(await f.registry.bondOf(1n)).to.equal(BOND - small - 2n * CAP);
      tx = r.drawBond(1n, 10n * BOND, await addr(f.pool));
      await expect(tx).to.emit(f.registry, "BondDrawn").withArgs(1n, 10n * BOND, BOND - small - 2n * CAP, 0n);
      expect(await r.drawBond.staticCall(1n, 10n * BOND, await addr(f.pool))).to.equal(0n);
      // The other keeper's bond is untouched.
      expect([await f.registry.bondOf(2n), await f.registry.isNameable(2n)]).to.deep.equal([BOND, true]);
      expect(await held(f)).to.equal(BOND);
    });

    it("draws from an exiting keeper, and nothing (no revert, no transfer) from an exited, unknown or absent one", async function () {
      const f = await networkHelpers.loadFixture(boundFixture);
      const r = f.registry.connect(f.engine);
      await (await f.registry.connect(f.alice).requestExit(1n)).wait();
      await expect(r.drawBond(1n, CAP, await addr(f.pool))).to.emit(f.registry, "BondDrawn").withArgs(1n, CAP, CAP, BOND - CAP);
      await networkHelpers.time.increase(EXIT_DELAY);
      await (await f.registry.connect(f.alice).completeExit(1n)).wait();
      for (const id of [1n, 0n, 9n]) {
        expect(await r.drawBond.staticCall(id, CAP, await addr(f.pool))).to.equal(0n);
        await expect(r.drawBond(id, CAP, await addr(f.pool))).to.not.emit(f.registry, "BondDrawn");
      }
      expect(await r.drawBond.staticCall(2n, 0n, await addr(f.pool))).to.equal(0n);
      expect(await held(f)).to.equal(BOND);
    });

    it("returns on exit only what is left of a drawn bond", async function () {
      const f = await networkHelpers.loadFixture(boundFixture);
      await (await f.registry.connect(f.engine).drawBond(1n, CAP, await addr(f.pool))).wait();
      await (await f.registry.connect(f.alice).requestExit(1n)).wait();
      await networkHelpers.time.increase(EXIT_DELAY);
      const tx = f.registry.connect(f.alice).completeExit(1n);
      await expect(tx).to.emit(f.registry, "ExitCompleted").withArgs(1n, await addr(f.alice), BOND - CAP);
      await expect(tx).to.changeTokenBalances(ethers, f.token, [f.alice, f.registry], [BOND - CAP, -(BOND - CAP)]);
      expect(await held(f)).to.equal(BOND);
    });

    it("returns nothing on exit for a bond drawn to zero, and the exit still completes", async function () {
      const f = await networkHelpers.loadFixture(boundFixture);
      for (let i = 0; i < 3; i++) await (await f.registry.connect(f.engine).drawBond(1n, CAP, await addr(f.pool))).wait();
      expect(await f.registry.bondOf(1n)).to.equal(0n);
      await (await f.registry.connect(f.alice).requestExit(1n)).wait();
      await networkHelpers.time.increase(EXIT_DELAY);
      const tx = f.registry.connect(f.alice).completeExit(1n);
      await expect(tx).to.emit(f.registry, "ExitCompleted").withArgs(1n, await addr(f.alice), 0n);
      await expect(tx).to.changeTokenBalances(ethers, f.token, [f.alice, f.registry], [0n, 0n]);
    });

    it("topUp: owner only, while active, pulls exactly what was drawn and makes the keeper nameable again", async function () {
      const f = await networkHelpers.loadFixture(boundFixture);
      await expect(f.registry.connect(f.alice).topUp(1n)).to.be.revertedWithCustomError(f.registry, "BondWhole").withArgs(1n);
      await (await f.registry.connect(f.engine).drawBond(1n, CAP, await addr(f.pool))).wait();
      await expect(f.registry.connect(f.bob).topUp(1n)).to.be.revertedWithCustomError(f.registry, "NotKeeperOwner").withArgs(1n, await addr(f.bob), await addr(f.alice));
      const tx = f.registry.connect(f.alice).topUp(1n);
      await expect(tx).to.emit(f.registry, "BondToppedUp").withArgs(1n, CAP);
      await expect(tx).to.changeTokenBalances(ethers, f.token, [f.alice, f.registry], [-CAP, CAP]);
      expect([await f.registry.bondOf(1n), await f.registry.isNameable(1n), (await f.registry.keeperOf(1n)).bondShort]).to.deep.equal([BOND, true, false]);
      await expect(f.registry.connect(f.alice).topUp(1n)).to.be.revertedWithCustomError(f.registry, "BondWhole").withArgs(1n);
      // An exiting keeper is not topped up: it can never be named again anyway.
      await (await f.registry.connect(f.engine).drawBond(2n, CAP, await addr(f.pool))).wait();
      await (await f.registry.connect(f.bob).requestExit(2n)).wait();
      await expect(f.registry.connect(f.bob).topUp(2n)).to.be.revertedWithCustomError(f.registry, "NotActive").withArgs(2n, Status.Exiting);
    });

    it("repayBond restores the bond (nameable again when whole); past a whole bond, or after the exit, it credits the owner, who claims it", async function () {
      const f = await networkHelpers.loadFixture(boundFixture);
      const r = f.registry.connect(f.engine);
      const engineSends = async (amount: bigint) => {
        await (await f.token.mint(await addr(f.engine), amount)).wait();
        await (await f.token.connect(f.engine).transfer(await f.registry.getAddress(), amount)).wait();
      };
      await (await r.drawBond(1n, CAP, await addr(f.pool))).wait();
      // Part of it back: still short.
      await engineSends(100n);
      await expect(r.repayBond(1n, 100n)).to.emit(f.registry, "BondRepaid").withArgs(1n, 100n, 0n, BOND - CAP + 100n);
      expect(await f.registry.isNameable(1n)).to.equal(false);
      // The rest: whole and nameable.
      await engineSends(CAP - 100n);
      await expect(r.repayBond(1n, CAP - 100n)).to.emit(f.registry, "BondRepaid").withArgs(1n, CAP - 100n, 0n, BOND);
      expect([await f.registry.isNameable(1n), (await f.registry.keeperOf(1n)).bondShort]).to.deep.equal([true, false]);
      // Drawn, topped up by the owner, then repaid: the repayment goes to the owner (the bond never exceeds bondAmount).
      await (await r.drawBond(1n, CAP, await addr(f.pool))).wait();
      await (await f.registry.connect(f.alice).topUp(1n)).wait();
      await engineSends(CAP);
      let tx = r.repayBond(1n, CAP);
      await expect(tx).to.emit(f.registry, "BondRepaid").withArgs(1n, CAP, CAP, BOND);
      // Credited, not pushed: no token moves until the owner claims.
      await expect(tx).to.changeTokenBalances(ethers, f.token, [f.alice, f.registry], [0n, 0n]);
      expect(await f.registry.claimable(await addr(f.alice))).to.equal(CAP);
      // Drawn, exited, then repaid: all of it to the owner.
      await (await r.drawBond(2n, CAP, await addr(f.pool))).wait();
      await (await f.registry.connect(f.bob).requestExit(2n)).wait();
      await networkHelpers.time.increase(EXIT_DELAY);
      await (await f.registry.connect(f.bob).completeExit(2n)).wait();
      await engineSends(CAP);
      tx = r.repayBond(2n, CAP);
      await expect(tx).to.emit(f.registry, "BondRepaid").withArgs(2n, CAP, CAP, 0n);
      expect(await f.registry.claimable(await addr(f.bob))).to.equal(CAP);
      // The registry holds exactly the bonds of the keepers still bound and what their owners may claim.
      expect(await held(f)).to.equal((await f.registry.bondOf(1n)) + 2n * CAP);
      // Each owner claims to an address of its choice, once; a stranger has nothing to claim.
      const claim = f.registry.connect(f.bob).claim(await addr(f.alice));
      await expect(claim).to.emit(f.registry, "Claimed").withArgs(await addr(f.bob), await addr(f.alice), CAP);
      await expect(claim).to.changeTokenBalances(ethers, f.token, [f.alice, f.bob, f.registry], [CAP, 0n, -CAP]);
      await expect(f.registry.connect(f.bob).claim(await addr(f.bob))).to.be.revertedWithCustomError(f.registry, "NothingToClaim").withArgs(await addr(f.bob));
      await expect(f.registry.connect(f.engine).claim(await addr(f.engine))).to.be.revertedWithCustomError(f.registry, "NothingToClaim").withArgs(await addr(f.engine));
      await expect(f.registry.connect(f.alice).claim(await addr(f.alice))).to.changeTokenBalances(ethers, f.token, [f.alice, f.registry], [CAP, -CAP]);
      expect(await held(f)).to.equal(await f.registry.bondOf(1n));
    });
  });

  describe("views", function () {
    it("answer for an unknown id: keyOf reverts UnknownKeeper, the others read as absent", async function () {
      const { registry, keys } = await networkHelpers.loadFixture(registeredFixture);
      for (const id of [0n, 3n]) {
        await expect(registry.keyOf(id)).to.be.revertedWithCustomError(registry, "UnknownKeeper").withArgs(id);
        expect([await registry.isNameable(id), await registry.isBound(id)]).to.deep.equal([false, false]);
        const k = await registry.keeperOf(id);
        expect([k.owner, k.status, k.exitableAt, k.bondShort, k.x, k.y]).to.deep.equal([ethers.ZeroAddress, Status.None, 0n, false, 0n, 0n]);
        expect(await registry.bondOf(id)).to.equal(0n);
      }
      expect(await registry.keeperIdOf(keys[2]![0], keys[2]![1])).to.equal(0n);
    });
  });

  describe("governance", function () {
    const GOVERNANCE = /owner|admin|pause|upgrade|govern|guardian|rescue|sweep|kill|destruct|implementation|proxy|role|slash/i;
    const SETTER = /^set[A-Z_]/;

    it("has no owner, admin, pause or upgrade function: only register, requestExit, completeExit, topUp, claim and the engine's bindEngine, drawBond and repayBond change state", async function () {
      const { registry } = await networkHelpers.loadFixture(registryFixture);
      const changing: string[] = [];
      const all: string[] = [];
      registry.interface.forEachFunction((f) => {
        all.push(f.name);
        if (f.stateMutability !== "view" && f.stateMutability !== "pure") changing.push(f.name);
      });
      expect(changing.sort()).to.deep.equal(["bindEngine", "claim", "completeExit", "drawBond", "register", "repayBond", "requestExit", "topUp"]);
      expect(all.filter((n) => GOVERNANCE.test(n) || SETTER.test(n))).to.deep.equal([]);
      expect(registry.interface.fallback).to.equal(null);
      expect(registry.interface.receive).to.equal(false);
    });
  });
});
