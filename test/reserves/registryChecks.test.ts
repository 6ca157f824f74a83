/**
 * ReserveRegistry checks that registry.test.ts does not reach: the exact list of state-changing
 * functions (governance), the constructor's InvalidConfig, NoOracleEpoch before the oracle's first
 * epoch, AssetUnpriced for a slot that never had a valid price, TooManyPeriods at the 2^32 - 1
 * bound (the period counter is set in storage), and a period opened with a root or a client count
 * other than the ones its real proofs were made for (one batch and one final proof); the reserve
 * weights' rounding (assets down, liabilities up) at prices where it matters.
 */
import { expect } from "chai";
import type { Signer } from "ethers";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { network } from "hardhat";
import { packProof, proofTuple } from "../../prover/src/calldata.js";
import { DEV_ASSETS, DEV_REGISTRY } from "../../prover/src/devnet.js";
import { initPoseidon } from "../../prover/src/poseidon.js";
import { Prover } from "../../prover/src/prover.js";
import { BATCH_SIZE, MAX_CLIENTS, N_ASSETS, planPeriod, reserveWeights, reserveWeightsHash, type PeriodPlan } from "../../prover/src/reserves/index.js";
import { toClientBalances } from "../../prover/src/reserves/csv.js";
import { periodFiles, proveBatches, readJsonFile, readRegistryWeights, type RegistryContract, type ReservesProofFileJson } from "../../prover/src/index.js";
import { deployPlimsoll } from "../../scripts/lib/deploy.js";
import { createWorld, type World } from "../../scripts/lib/world.js";
import { deployReserveRegistry, syntheticClients } from "../../scripts/lib/reservesDemo.js";

const { ethers, networkHelpers } = await network.create();
const h = await initPoseidon();

type ProofArg = ReturnType<typeof proofTuple>;

/** Names of the functions in an ABI that are neither view nor pure, sorted. */
function stateChanging(c: { interface: { forEachFunction(cb: (f: { name: string; stateMutability: string }) => void): void } }): string[] {
  const names: string[] = [];
  c.interface.forEachFunction((f) => {
    if (f.stateMutability !== "view" && f.stateMutability !== "pure") names.push(f.name);
  });
  return names.sort();
}

async function worldFixture(): Promise<{ w: World; registry: RegistryContract }> {
  const w = await createWorld(ethers);
  const { registry } = await deployReserveRegistry(ethers, await w.d.oracle.getAddress(), await w.d.poseidon4.getAddress());
  return { w, registry };
}

describe("ReserveRegistry checks", function () {
  describe("governance", function () {
    it("changes state only through openPeriod, submitBatch and finalize, and has no fallback or receive", async function () {
      const { registry } = await networkHelpers.loadFixture(worldFixture);
      expect(stateChanging(registry)).to.deep.equal(["finalize", "openPeriod", "submitBatch"]);
      expect(registry.interface.fallback).to.equal(null);
      expect(registry.interface.receive).to.equal(false);
    });
  });

  describe("#constructor", function () {
    /** Deploys a registry on `oracle` (the world's Poseidon4; the other dependencies are not called). Load the fixture first. */
    async function deployWith(w: World, oracle: string, batchSize: bigint): Promise<unknown> {
      const z = ethers.ZeroAddress;
      return ethers.deployContract("ReserveRegistry", [oracle, z, await w.d.poseidon4.getAddress(), z, z, batchSize]);
    }

    it("reverts InvalidConfig(\"batchSize\") for a batch size of 0 or above 2^20, and accepts 1 and 2^20", async function () {
      const { w } = await networkHelpers.loadFixture(worldFixture);
      const oracle = await w.d.oracle.getAddress();
      const factory = await ethers.getContractFactory("ReserveRegistry");
      for (const bad of [0n, BigInt(MAX_CLIENTS) + 1n]) {
        await expect(deployWith(w, oracle, bad), `batch size ${bad}`).to.be.revertedWithCustomError(factory, "InvalidConfig").withArgs("batchSize");
      }
      for (const good of [1n, BigInt(MAX_CLIENTS)]) {
        const r = (await deployWith(w, oracle, good)) as RegistryContract;
        expect(await r.BATCH_SIZE()).to.equal(good);
      }
    });

    it("reverts InvalidConfig(\"oracle.assetCount\") for an oracle with 0 or 17 asset slots, and accepts 16", async function () {
      const { w } = await networkHelpers.loadFixture(worldFixture);
      const factory = await ethers.getContractFactory("ReserveRegistry");
      for (const n of [0n, BigInt(N_ASSETS) + 1n]) {
        const oracle = await ethers.deployContract("MockAssetCountOracle", [n]);
        await expect(deployWith(w, await oracle.getAddress(), BigInt(BATCH_SIZE)), `${n} assets`)
          .to.be.revertedWithCustomError(factory, "InvalidConfig")
          .withArgs("oracle.assetCount");
      }
      const sixteen = await ethers.deployContract("MockAssetCountOracle", [BigInt(N_ASSETS)]);
      const r = (await deployWith(w, await sixteen.getAddress(), BigInt(BATCH_SIZE))) as { assetCount(): Promise<bigint> };
      expect(await r.assetCount()).to.equal(BigInt(N_ASSETS));
    });
  });

  describe("#currentReserveWeights", function () {
    it("rounds the asset weights down and the liability weights up at prices whose product with the haircut is not a whole weight unit", async function () {
      // The world's default prices are multiples of 100 (8 decimals), so p * (WAD ± h) * 1e16 / WAD is exact
      // there and the two roundings cannot be told apart; these prices end in 7.
      const w = await createWorld(ethers, { assets: DEV_ASSETS.map((a) => ({ ...a, price: a.price + 7n })) });
      const { registry } = await deployReserveRegistry(ethers, await w.d.oracle.getAddress(), await w.d.poseidon4.getAddress());
      const n = Number(await w.d.oracle.assetCount());
      const prices = new Array<bigint>(N_ASSETS).fill(0n);
      const haircuts = new Array<bigint>(N_ASSETS).fill(0n);
      for (let i = 0; i < n; i++) {
        prices[i] = BigInt(await w.d.oracle.price(i));
        haircuts[i] = (await w.d.oracle.haircuts(i))[1];
      }
      const WAD = 10n ** 18n;
      const inexact = prices.slice(0, n).map((p, i) => [(p * (WAD - haircuts[i]!) * 10n ** 16n) % WAD !== 0n, (p * (WAD + haircuts[i]!) * 10n ** 16n) % WAD !== 0n]);
      // Slot 0 (USDC) sits at the 5% haircut floor, an exact product; the volatile slots' haircuts are not round.
      expect(inexact.slice(1).every(([a, l]) => a && l), "the volatile slots' weights are rounded").to.equal(true);
      const model = reserveWeights(prices, haircuts);
      const [, wA, wL, hash] = await registry.currentReserveWeights();
      expect([...wA]).to.deep.equal(model.assetWeights);
      expect([...wL]).to.deep.equal(model.liabilityWeights);
      for (let i = 1; i < n; i++) expect(wL[i]! * WAD, `slot ${i}`).to.be.above(prices[i]! * (WAD + haircuts[i]!) * 10n ** 16n);
      expect(hash).to.equal(reserveWeightsHash(h, model.assetWeights, model.liabilityWeights));
      await w.prover.close();
    });
  });

  describe("#openPeriod", function () {
    const reserves = (): bigint[] => new Array<bigint>(N_ASSETS).fill(0n);

    it("reverts NoOracleEpoch before the oracle's first epoch, in openPeriod and currentReserveWeights", async function () {
      const d = await deployPlimsoll(ethers);
      expect(await d.oracle.currentEpoch()).to.equal(0n);
      const { registry } = await deployReserveRegistry(ethers, await d.oracle.getAddress(), await d.poseidon4.getAddress());
      await expect(registry.openPeriod(0, 1n, 1, reserves())).to.be.revertedWithCustomError(registry, "NoOracleEpoch");
      await expect(registry.openPeriod(1, 1n, 1, reserves())).to.be.revertedWithCustomError(registry, "NoOracleEpoch");
      await expect(registry.currentReserveWeights()).to.be.revertedWithCustomError(registry, "NoOracleEpoch");
    });

    it("reverts AssetUnpriced for the first slot whose sources never gave a valid price", async function () {
      const w = await createWorld(ethers, { assets: DEV_ASSETS.map((a) => (a.symbol === "WBTC" ? { ...a, price: 0n } : a)) });
      const slot = DEV_ASSETS.findIndex((a) => a.symbol === "WBTC");
      const { registry } = await deployReserveRegistry(ethers, await w.d.oracle.getAddress(), await w.d.poseidon4.getAddress());
      const epoch = await w.d.oracle.currentEpoch();
      await expect(registry.openPeriod(epoch, 1n, 1, reserves())).to.be.revertedWithCustomError(registry, "AssetUnpriced").withArgs(slot);
      await expect(registry.currentReserveWeights()).to.be.revertedWithCustomError(registry, "AssetUnpriced").withArgs(slot);
      await w.prover.close();
    });

    it("reverts TooManyPeriods once a custodian holds 2^32 - 1 periods: the last index opened is 2^32 - 2", async function () {
      const { w, registry } = await networkHelpers.loadFixture(worldFixture);
      const [, custodian] = await ethers.getSigners();
      const who = await custodian!.getAddress();
      // _periodCount is the second mapping (slot 1): mapping(address => uint64).
      const slot = ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode(["address", "uint256"], [who, 1n]));
      const setCount = async (n: bigint): Promise<void> => {
        await networkHelpers.setStorageAt(await registry.getAddress(), slot, n);
        expect(await registry.periodCount(who), "the slot is _periodCount's").to.equal(n);
      };
      const epoch = await w.d.oracle.currentEpoch();
      const as = registry.connect(custodian!) as RegistryContract;
      await setCount((1n << 32n) - 2n);
      expect(await as.openPeriod.staticCall(epoch, 1n, 1, reserves())).to.equal((1n << 32n) - 2n);
      await (await as.openPeriod(epoch, 1n, 1, reserves())).wait();
      expect(await registry.periodCount(who)).to.equal((1n << 32n) - 1n);
      await expect(as.openPeriod(epoch, 1n, 1, reserves())).to.be.revertedWithCustomError(registry, "TooManyPeriods");
    });
  });

  describe("a period opened with other parameters than the proofs were made for", function () {
    const prover = new Prover();
    let w: World;
    let custodian: Signer;
    let A: string;
    let epoch: bigint;
    /** 10 clients, custodian A's period 0: one batch and the final proof. */
    let plan: PeriodPlan;
    let batch: ProofArg;
    let final: ProofArg;

    before(async function () {
      const signers = await ethers.getSigners();
      custodian = signers[1]!;
      A = await custodian.getAddress();
      w = await createWorld(ethers, { prover });
      const { registry } = await deployReserveRegistry(ethers, await w.d.oracle.getAddress(), await w.d.poseidon4.getAddress());
      const read = await readRegistryWeights(registry);
      epoch = read.epoch;
      const prices = await Promise.all(DEV_REGISTRY.map(async (a) => BigInt(await w.d.oracle.price(a.slot))));
      const clients = toClientBalances(syntheticClients(10, 11, DEV_REGISTRY, prices, read.weights), DEV_REGISTRY);
      const net = Array.from({ length: N_ASSETS }, (_, i) => clients.reduce((s, c) => s + c.assets[i]! - c.liabilities[i]!, 0n)).map((x) => (x > 0n ? (x * 105n) / 100n : 0n));
      plan = planPeriod({ h, custodian: A, periodIndex: 0, clients, weights: read.weights, reserves: net });
      const dir = mkdtempSync(join(tmpdir(), "plimsoll-registry-checks-"));
      await proveBatches(plan, dir, { provers: [prover], progress: false });
      const load = (file: string): ProofArg => proofTuple(packProof((readJsonFile(file, "proof") as ReservesProofFileJson).proof));
      batch = load(periodFiles.batch(dir, 0));
      final = load(periodFiles.final(dir));
    });

    after(async function () {
      await prover.close();
    });

    /** A fresh registry on the world's oracle, with A's period 0 opened as given and its one batch submitted. */
    async function openedAs(root: bigint, clientCount: number): Promise<RegistryContract> {
      const { registry } = await deployReserveRegistry(ethers, await w.d.oracle.getAddress(), await w.d.poseidon4.getAddress());
      await (await (registry.connect(custodian) as RegistryContract).openPeriod(epoch, root, clientCount, plan.final.reserves)).wait();
      const b = plan.batches[0]!;
      await (await registry.submitBatch(A, 0, 0, b.stateIn, b.stateOut, batch)).wait();
      return registry;
    }

    it("verifies the period opened as proved (the control)", async function () {
      expect(plan.batches.length).to.equal(1);
      const registry = await openedAs(plan.root, plan.clientCount);
      await expect(registry.finalize(A, 0, final)).to.emit(registry, "PeriodVerified").withArgs(A, 0, epoch, plan.root);
    });

    it("rejects the final proof with InvalidFinalProof when the period was opened with another root", async function () {
      const registry = await openedAs(plan.root + 1n, plan.clientCount);
      await expect(registry.finalize(A, 0, final)).to.be.revertedWithCustomError(registry, "InvalidFinalProof").withArgs(A, 0);
      expect(await registry.isVerified(A, 0)).to.equal(false);
    });

    it("rejects the final proof with InvalidFinalProof for a client count one lower, with the same number of batches", async function () {
      const registry = await openedAs(plan.root, plan.clientCount - 1);
      expect((await registry.period(A, 0)).batchCount).to.equal(1n);
      await expect(registry.finalize(A, 0, final)).to.be.revertedWithCustomError(registry, "InvalidFinalProof").withArgs(A, 0);
    });

    it("waits for a batch that was never proved (BatchesMissing) for a client count past the batch size", async function () {
      const registry = await openedAs(plan.root, BATCH_SIZE + 1);
      await expect(registry.finalize(A, 0, final)).to.be.revertedWithCustomError(registry, "BatchesMissing").withArgs(A, 0, 1, 2);
    });
  });
});
