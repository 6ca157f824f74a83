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
import { generateKeeperKey, getBabyJub, SUB_ORDER, type Point } from "../../prover/src/keeper/index.js";
import type { KeeperRegistry, MockERC20 } from "../../types/ethers-contracts/index.js";

const { ethers, networkHelpers } = await network.create();

const P = FIELD_MODULUS;
const BOND = 1_000n * 10n ** 18n;
const EXIT_DELAY = 14n * 24n * 3600n;
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
}

async function registryFixture(): Promise<Fixture> {
  const [, alice, bob, carol] = await ethers.getSigners();
  const token = (await ethers.deployContract("MockERC20", ["Keeper bond", "BOND", 18])) as unknown as MockERC20;
  const registry = (await ethers.deployContract("KeeperRegistry", [await token.getAddress(), BOND, EXIT_DELAY])) as unknown as KeeperRegistry;
  for (const who of [alice!, bob!, carol!]) {
    await token.mint(await who.getAddress(), 10n * BOND);
    await token.connect(who).approve(await registry.getAddress(), 10n * BOND);
  }
  const keys = await Promise.all([0, 1, 2].map(async () => (await generateKeeperKey()).publicKey));
  return { registry, token, alice: alice!, bob: bob!, carol: carol!, keys };
}

/** The fixture with alice's keys[0] registered as keeper 1 and bob's keys[1] as keeper 2. */
async function registeredFixture(): Promise<Fixture> {
  const f = await registryFixture();
  gas["register (first keeper)"] = (await (await f.registry.connect(f.alice).register(f.keys[0]![0], f.keys[0]![1])).wait())!.gasUsed;
  gas["register (next keeper)"] = (await (await f.registry.connect(f.bob).register(f.keys[1]![0], f.keys[1]![1])).wait())!.gasUsed;
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
      await expect(factory.deploy(ethers.ZeroAddress, BOND, EXIT_DELAY)).to.be.revertedWithCustomError(registry, "InvalidBondToken").withArgs(ethers.ZeroAddress);
      await expect(factory.deploy(await addr(alice), BOND, EXIT_DELAY)).to.be.revertedWithCustomError(registry, "InvalidBondToken").withArgs(await addr(alice));
      await expect(factory.deploy(t, 0n, EXIT_DELAY)).to.be.revertedWithCustomError(registry, "ZeroBond");
      await expect(factory.deploy(t, BOND, 0n)).to.be.revertedWithCustomError(registry, "InvalidExitDelay").withArgs(0n);
      await expect(factory.deploy(t, BOND, 1n << 32n)).to.be.revertedWithCustomError(registry, "InvalidExitDelay").withArgs(1n << 32n);
      const longest = await factory.deploy(t, BOND, (1n << 32n) - 1n);
      expect(await (longest as unknown as KeeperRegistry).exitDelay()).to.equal((1n << 32n) - 1n);
    });
  });

  describe("#register", function () {
    it("registers a subgroup key as keeper 1, pulls the bond and emits KeeperRegistered", async function () {
      const { registry, token, alice, keys } = await networkHelpers.loadFixture(registryFixture);
      const [x, y] = keys[0]!;
      expect(await registry.connect(alice).register.staticCall(x, y)).to.equal(1n);
      const tx = registry.connect(alice).register(x, y);
      await expect(tx).to.emit(registry, "KeeperRegistered").withArgs(1n, await addr(alice), x, y, BOND);
      await expect(tx).to.changeTokenBalances(ethers, token, [alice, registry], [-BOND, BOND]);
      const k = await registry.keeperOf(1n);
      expect([k.owner, k.status, k.exitableAt, k.x, k.y]).to.deep.equal([await addr(alice), Status.Active, 0n, x, y]);
      expect(await registry.keyOf(1n)).to.deep.equal([x, y]);
      expect(await registry.keeperIdOf(x, y)).to.equal(1n);
      expect(await registry.isNameable(1n)).to.equal(true);
      expect(await registry.isBound(1n)).to.equal(true);
      expect(await registry.keeperCount()).to.equal(1n);
    });

    it("numbers keepers 1, 2, 3 in order of registration, one owner holding several", async function () {
      const { registry, alice, bob, keys } = await networkHelpers.loadFixture(registryFixture);
      await registry.connect(alice).register(keys[0]![0], keys[0]![1]);
      await registry.connect(bob).register(keys[1]![0], keys[1]![1]);
      await expect(registry.connect(alice).register(keys[2]![0], keys[2]![1]))
        .to.emit(registry, "KeeperRegistered")
        .withArgs(3n, await addr(alice), keys[2]![0], keys[2]![1], BOND);
      expect((await registry.keeperOf(2n)).owner).to.equal(await addr(bob));
      expect((await registry.keeperOf(3n)).owner).to.equal(await addr(alice));
      expect(await registry.keeperCount()).to.equal(3n);
    });

    it("rejects a key already registered, by anyone, naming its keeper", async function () {
      const { registry, alice, bob, keys } = await networkHelpers.loadFixture(registeredFixture);
      for (const who of [alice, bob]) {
        await expect(registry.connect(who).register(keys[0]![0], keys[0]![1])).to.be.revertedWithCustomError(registry, "KeyAlreadyRegistered").withArgs(1n);
      }
      await expect(registry.connect(alice).register(keys[1]![0], keys[1]![1])).to.be.revertedWithCustomError(registry, "KeyAlreadyRegistered").withArgs(2n);
    });

    it("rejects a coordinate not below the field modulus, even one that reduces to a valid key", async function () {
      const { registry, alice, keys } = await networkHelpers.loadFixture(registryFixture);
      const [x, y] = keys[0]!;
      await expect(registry.connect(alice).register(x + P, y)).to.be.revertedWithCustomError(registry, "CoordinateNotInField").withArgs(x + P);
      await expect(registry.connect(alice).register(x, y + P)).to.be.revertedWithCustomError(registry, "CoordinateNotInField").withArgs(y + P);
      await expect(registry.connect(alice).register(P, 1n)).to.be.revertedWithCustomError(registry, "CoordinateNotInField").withArgs(P);
      await expect(registry.connect(alice).register(ethers.MaxUint256, y)).to.be.revertedWithCustomError(registry, "CoordinateNotInField").withArgs(ethers.MaxUint256);
    });

    it("rejects a point off the curve", async function () {
      const { registry, alice, keys } = await networkHelpers.loadFixture(registryFixture);
      const [x, y] = keys[0]!;
      for (const [a, b] of [[x, (y + 1n) % P], [1n, 1n], [0n, 0n], [P - 1n, P - 1n]] as const) {
        await expect(registry.connect(alice).register(a, b)).to.be.revertedWithCustomError(registry, "NotOnCurve").withArgs(a, b);
      }
    });

    it("rejects the identity (0, 1)", async function () {
      const { registry, alice } = await networkHelpers.loadFixture(registryFixture);
      await expect(registry.connect(alice).register(0n, 1n)).to.be.revertedWithCustomError(registry, "IdentityKey");
    });

    it("rejects every low-order point: (0, P-1) of order 2, the two of order 4 and the four of order 8", async function () {
      const { registry, alice } = await networkHelpers.loadFixture(registryFixture);
      const low = [1n, 2n, 3n, 4n, 5n, 6n, 7n].map((k) => bj.mul(k, T8));
      expect(low[3]).to.deep.equal([0n, P - 1n]);
      for (const [a, b] of low) {
        await expect(registry.connect(alice).register(a, b)).to.be.revertedWithCustomError(registry, "NotInSubgroup").withArgs(a, b);
      }
    });

    it("rejects a subgroup key shifted by a low-order point, and the whole group's generator", async function () {
      const { registry, alice, keys } = await networkHelpers.loadFixture(registryFixture);
      for (const [a, b] of [bj.add(keys[0]!, T8), bj.add(keys[0]!, [0n, P - 1n]), GENERATOR]) {
        await expect(registry.connect(alice).register(a, b)).to.be.revertedWithCustomError(registry, "NotInSubgroup").withArgs(a, b);
      }
    });

    it("accepts the negation of a registered key as a different key", async function () {
      const { registry, carol, keys } = await networkHelpers.loadFixture(registeredFixture);
      const [x, y] = keys[0]!;
      await expect(registry.connect(carol).register(P - x, y)).to.emit(registry, "KeeperRegistered").withArgs(3n, await addr(carol), P - x, y, BOND);
    });

    it("reverts TransferFailed and registers nothing when the bond cannot be pulled", async function () {
      const { registry, token, alice, keys } = await networkHelpers.loadFixture(registryFixture);
      await token.connect(alice).approve(await registry.getAddress(), BOND - 1n);
      await expect(registry.connect(alice).register(keys[0]![0], keys[0]![1]))
        .to.be.revertedWithCustomError(registry, "TransferFailed")
        .withArgs(await token.getAddress(), await addr(alice), await registry.getAddress(), BOND);
      expect(await registry.keeperCount()).to.equal(0n);
      expect(await registry.keeperIdOf(keys[0]![0], keys[0]![1])).to.equal(0n);
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
      gas["completeExit"] = (await (await tx).wait())!.gasUsed;
      expect(await registry.isNameable(1n)).to.equal(false);
      expect(await registry.isBound(1n)).to.equal(false);
      expect((await registry.keeperOf(1n)).status).to.equal(Status.Exited);
      await expect(registry.connect(alice).completeExit(1n)).to.be.revertedWithCustomError(registry, "NotExiting").withArgs(1n, Status.Exited);
    });

    it("retires the key for good: it cannot be registered again, and keyOf still answers", async function () {
      const { registry, alice, carol, keys } = await networkHelpers.loadFixture(registeredFixture);
      await registry.connect(alice).requestExit(1n);
      await networkHelpers.time.increase(EXIT_DELAY);
      await registry.connect(alice).completeExit(1n);
      for (const who of [alice, carol]) {
        await expect(registry.connect(who).register(keys[0]![0], keys[0]![1])).to.be.revertedWithCustomError(registry, "KeyAlreadyRegistered").withArgs(1n);
      }
      expect(await registry.keyOf(1n)).to.deep.equal([keys[0]![0], keys[0]![1]]);
      expect(await registry.keeperIdOf(keys[0]![0], keys[0]![1])).to.equal(1n);
    });

    it("holds exactly one bond per keeper that has not completed its exit", async function () {
      const { registry, token, alice, bob, carol, keys } = await networkHelpers.loadFixture(registeredFixture);
      const held = async (): Promise<bigint> => token.balanceOf(await registry.getAddress());
      await registry.connect(carol).register(keys[2]![0], keys[2]![1]);
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

  describe("views", function () {
    it("answer for an unknown id: keyOf reverts UnknownKeeper, the others read as absent", async function () {
      const { registry, keys } = await networkHelpers.loadFixture(registeredFixture);
      for (const id of [0n, 3n]) {
        await expect(registry.keyOf(id)).to.be.revertedWithCustomError(registry, "UnknownKeeper").withArgs(id);
        expect([await registry.isNameable(id), await registry.isBound(id)]).to.deep.equal([false, false]);
        const k = await registry.keeperOf(id);
        expect([k.owner, k.status, k.exitableAt, k.x, k.y]).to.deep.equal([ethers.ZeroAddress, Status.None, 0n, 0n, 0n]);
      }
      expect(await registry.keeperIdOf(keys[2]![0], keys[2]![1])).to.equal(0n);
    });
  });

  describe("governance", function () {
    const GOVERNANCE = /owner|admin|pause|upgrade|govern|guardian|rescue|sweep|kill|destruct|implementation|proxy|role|slash/i;
    const SETTER = /^set[A-Z_]/;

    it("has no owner, admin, pause or upgrade function: only register, requestExit and completeExit change state", async function () {
      const { registry } = await networkHelpers.loadFixture(registryFixture);
      const changing: string[] = [];
      const all: string[] = [];
      registry.interface.forEachFunction((f) => {
        all.push(f.name);
        if (f.stateMutability !== "view" && f.stateMutability !== "pure") changing.push(f.name);
      });
      expect(changing.sort()).to.deep.equal(["completeExit", "register", "requestExit"]);
      expect(all.filter((n) => GOVERNANCE.test(n) || SETTER.test(n))).to.deep.equal([]);
      expect(registry.interface.fallback).to.equal(null);
      expect(registry.interface.receive).to.equal(false);
    });
  });
});
