/**
 * ReserveRegistry with real Groth16 proofs: an honest period of 40 clients (2 batches + the final
 * proof) is verified; every error by name and arguments; the proofs are bound to their custodian,
 * period, batch, previous state, weights and reserves. Proofs are made once, in `before`, by two
 * prover processes (6 proofs in all).
 */
import { expect } from "chai";
import type { Signer } from "ethers";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { network } from "hardhat";
import { DEV_REGISTRY } from "../../prover/src/devnet.js";
import { initPoseidon } from "../../prover/src/poseidon.js";
import { packProof, proofTuple } from "../../prover/src/calldata.js";
import { Prover, WitnessRejectedError } from "../../prover/src/prover.js";
import {
  BATCH_SIZE,
  buildFinalize,
  FIELD_MODULUS,
  MAX_CLIENTS,
  N_ASSETS,
  periodTag,
  planPeriod,
  reserveWeights,
  reserveWeightsHash,
  type ClientBalances,
  type PeriodPlan,
  type ReserveWeights,
} from "../../prover/src/reserves/index.js";
import { toClientBalances } from "../../prover/src/reserves/csv.js";
import {
  defaultArtifacts,
  periodFiles,
  proveBatches,
  readJsonFile,
  readRegistryWeights,
  toCircuitInput,
  type RegistryContract,
  type ReservesProofFileJson,
} from "../../prover/src/index.js";
import { createWorld, type World } from "../../scripts/lib/world.js";
import { deployReserveRegistry, syntheticClients, type ReservesDeployment } from "../../scripts/lib/reservesDemo.js";

const { ethers } = await network.create();
const h = await initPoseidon();
const gas: Record<string, bigint> = {};
/** A's period 0: one full batch and 8 clients in a second one. */
const HONEST_CLIENTS = BATCH_SIZE + 8;

type ProofArg = ReturnType<typeof proofTuple>;

/** A proved plan: its folder and the calldata of each proof. */
interface Proved {
  plan: PeriodPlan;
  dir: string;
  batch: ProofArg[];
  final?: ProofArg;
}

async function prove(plan: PeriodPlan, provers: Prover[], only?: number[]): Promise<Proved> {
  const dir = mkdtempSync(join(tmpdir(), "plimsoll-registry-"));
  await proveBatches(plan, dir, { provers, progress: false, ...(only ? { only } : {}) });
  const load = (file: string): ProofArg => proofTuple(packProof((readJsonFile(file, "proof") as ReservesProofFileJson).proof));
  const batch = (only ?? plan.batches.map((b) => b.batchIndex)).map((i) => load(periodFiles.batch(dir, i)));
  return only ? { plan, dir, batch } : { plan, dir, batch, final: load(periodFiles.final(dir)) };
}

describe("ReserveRegistry", function () {
  let w: World;
  let dep: ReservesDeployment;
  let registry: RegistryContract;
  let custodian: Signer;
  let other: Signer;
  let anyone: Signer;
  let A: string;
  let B: string;
  let epoch: bigint;
  let weights: ReserveWeights;
  let clients: ClientBalances[];
  /** A's period 0: HONEST_CLIENTS clients, 2 batches, reserves 105% of the net. */
  let honest: Proved;
  /** A's period 1: 10 clients (1 batch); opened with reserves other than the proven ones. */
  let period1: Proved;
  /** A's period 2: 10 clients proved at weights other than the epoch's (batch 0 only). */
  let wrongWeights: Proved;
  const provers = [new Prover(), new Prover()];
  const as = (s: Signer): RegistryContract => registry.connect(s) as RegistryContract;

  before(async function () {
    const signers = await ethers.getSigners();
    [custodian, other, anyone] = [signers[1]!, signers[2]!, signers[3]!];
    [A, B] = [await custodian.getAddress(), await other.getAddress()];
    w = await createWorld(ethers);
    dep = await deployReserveRegistry(ethers, await w.d.oracle.getAddress(), await w.d.poseidon4.getAddress());
    registry = dep.registry;
    ({ epoch, weights } = await readRegistryWeights(registry));
    const prices = await Promise.all(DEV_REGISTRY.map(async (a) => BigInt(await w.d.oracle.price(a.slot))));
    clients = toClientBalances(syntheticClients(HONEST_CLIENTS, 7, DEV_REGISTRY, prices, weights), DEV_REGISTRY);
    const net = (cs: ClientBalances[]): bigint[] =>
      Array.from({ length: N_ASSETS }, (_, i) => cs.reduce((s, c) => s + c.assets[i]! - c.liabilities[i]!, 0n)).map((x) => (x > 0n ? (x * 105n) / 100n : 0n));
    const few = clients.slice(0, 10);
    const slanted = { assetWeights: weights.assetWeights.map((x, i) => (i === 1 ? x - 1n : x)), liabilityWeights: weights.liabilityWeights };
    const plans = [
      planPeriod({ h, custodian: A, periodIndex: 0, clients, weights, reserves: net(clients) }),
      planPeriod({ h, custodian: A, periodIndex: 1, clients: few, weights, reserves: net(few) }),
      planPeriod({ h, custodian: A, periodIndex: 2, clients: few, weights: slanted, reserves: net(few) }),
    ];
    honest = await prove(plans[0]!, provers);
    period1 = await prove(plans[1]!, provers);
    wrongWeights = await prove(plans[2]!, provers, [0]);
  });

  after(async function () {
    await Promise.all(provers.map((p) => p.close()));
    console.log("\n    gas (ReserveRegistry, real proofs):");
    for (const [k, v] of Object.entries(gas)) console.log(`      ${k.padEnd(58)} ${v.toLocaleString("en-US")}`);
  });

  const reservesOf = (p: PeriodPlan): bigint[] => p.final.reserves;
  const stateOf = (p: PeriodPlan, i: number): [bigint, bigint] => [p.batches[i]!.stateIn, p.batches[i]!.stateOut];

  describe("#constructor and views", function () {
    it("derives the same reserve weights and hash as the TypeScript model, from the oracle's prices and maintenance haircuts", async function () {
      const prices = new Array<bigint>(N_ASSETS).fill(0n);
      const haircuts = new Array<bigint>(N_ASSETS).fill(0n);
      for (const a of DEV_REGISTRY) {
        prices[a.slot] = BigInt(await w.d.oracle.price(a.slot));
        haircuts[a.slot] = (await w.d.oracle.haircuts(a.slot))[1];
      }
      const model = reserveWeights(prices, haircuts);
      const [e, wA, wL, hash] = await registry.currentReserveWeights();
      expect(e).to.equal(await w.d.oracle.currentEpoch());
      expect([...wA]).to.deep.equal(model.assetWeights);
      expect([...wL]).to.deep.equal(model.liabilityWeights);
      expect(hash).to.equal(reserveWeightsHash(h, model.assetWeights, model.liabilityWeights));
      gas["currentReserveWeights() (view, estimateGas: weights + 5 Poseidon)"] = await registry.currentReserveWeights.estimateGas();
    });

    it("exposes its immutable configuration and no admin function", async function () {
      expect(await registry.BATCH_SIZE()).to.equal(BigInt(BATCH_SIZE));
      expect(await registry.MAX_CLIENTS()).to.equal(BigInt(MAX_CLIENTS));
      const names = registry.interface.fragments.filter((f) => f.type === "function").map((f) => (f as unknown as { name: string }).name);
      for (const banned of ["owner", "admin", "setVerifier", "pause", "upgradeTo", "transferOwnership"]) expect(names).to.not.include(banned);
    });

    it("computes the period tag as the circuits do", async function () {
      expect(await registry.periodTag(A, 7)).to.equal(periodTag(A, 7));
      expect(await registry.batchCountFor(BATCH_SIZE + 1)).to.equal(2n);
      expect(await registry.batchCountFor(BATCH_SIZE)).to.equal(1n);
    });

    it("reverts UnknownPeriod for a period never opened", async function () {
      await expect(registry.period(A, 0)).to.be.revertedWithCustomError(registry, "UnknownPeriod").withArgs(A, 0);
      expect(await registry.isVerified(A, 0)).to.equal(false);
      expect(await registry.latestVerifiedPeriod(A)).to.deep.equal([false, 0n]);
    });
  });

  describe("#openPeriod", function () {
    it("rejects an epoch other than the oracle's current one", async function () {
      await expect(as(custodian).openPeriod(epoch + 1n, honest.plan.root, HONEST_CLIENTS, reservesOf(honest.plan)))
        .to.be.revertedWithCustomError(registry, "EpochMismatch")
        .withArgs(epoch + 1n, epoch);
    });

    it("rejects a root outside the field, a client count of 0 or above 2^20, and bad reserves", async function () {
      const r = reservesOf(honest.plan);
      await expect(as(custodian).openPeriod(epoch, FIELD_MODULUS, HONEST_CLIENTS, r)).to.be.revertedWithCustomError(registry, "NotAFieldElement").withArgs(FIELD_MODULUS);
      await expect(as(custodian).openPeriod(epoch, 1n, 0, r)).to.be.revertedWithCustomError(registry, "InvalidClientCount").withArgs(0, MAX_CLIENTS);
      await expect(as(custodian).openPeriod(epoch, 1n, MAX_CLIENTS + 1, r)).to.be.revertedWithCustomError(registry, "InvalidClientCount").withArgs(MAX_CLIENTS + 1, MAX_CLIENTS);
      const big = [...r];
      big[2] = 1n << 84n;
      await expect(as(custodian).openPeriod(epoch, 1n, HONEST_CLIENTS, big)).to.be.revertedWithCustomError(registry, "ReserveTooLarge").withArgs(2, 1n << 84n);
      const unused = [...r];
      unused[3] = 1n;
      await expect(as(custodian).openPeriod(epoch, 1n, HONEST_CLIENTS, unused)).to.be.revertedWithCustomError(registry, "ReserveInUnusedSlot").withArgs(3, 1n);
    });

    it("opens period 0 with the epoch, root, count and reserves, and hashes the epoch's weights once", async function () {
      const p = honest.plan;
      const tx = await as(custodian).openPeriod(epoch, p.root, p.clientCount, reservesOf(p));
      await expect(tx).to.emit(registry, "PeriodOpened").withArgs(A, 0, epoch, p.root, HONEST_CLIENTS, p.reserveWeightsHash, reservesOf(p));
      await expect(tx).to.emit(registry, "ReserveWeights").withArgs(epoch, weights.assetWeights, weights.liabilityWeights, p.reserveWeightsHash);
      gas["openPeriod (first in the epoch: weights hashed)"] = (await tx.wait())!.gasUsed;
      const stored = await registry.period(A, 0);
      expect(stored.epoch).to.equal(epoch);
      expect(stored.root).to.equal(p.root);
      expect(stored.clientCount).to.equal(BigInt(HONEST_CLIENTS));
      expect(stored.batchCount).to.equal(2n);
      expect(stored.nextBatch).to.equal(0n);
      expect(stored.verified).to.equal(false);
      expect(stored.weightsHash).to.equal(p.reserveWeightsHash);
      expect([...(await registry.reservesOf(A, 0))]).to.deep.equal(reservesOf(p));
      expect(await registry.reserveWeightsHashOf(epoch)).to.equal(p.reserveWeightsHash);
    });

    it("keys periods by custodian: another custodian's open does not touch A's entries", async function () {
      const tx = await as(other).openPeriod(epoch, honest.plan.root, HONEST_CLIENTS, reservesOf(honest.plan));
      await expect(tx).to.not.emit(registry, "ReserveWeights");
      gas["openPeriod (same epoch: weights hash cached)"] = (await tx.wait())!.gasUsed;
      expect(await registry.periodCount(B)).to.equal(1n);
      expect(await registry.periodCount(A)).to.equal(1n);
    });

    it("opens A's periods 1 and 2, period 1 with reserves other than the proven ones", async function () {
      const claimed = [...reservesOf(period1.plan)];
      claimed[0] = claimed[0]! + 1n; // claims one unit more USDC than the final proof was made for
      expect(await as(custodian).openPeriod.staticCall(epoch, period1.plan.root, 10, claimed)).to.equal(1n);
      await (await as(custodian).openPeriod(epoch, period1.plan.root, 10, claimed)).wait();
      await (await as(custodian).openPeriod(epoch, wrongWeights.plan.root, 10, reservesOf(wrongWeights.plan))).wait();
      expect(await registry.periodCount(A)).to.equal(3n);
    });
  });

  describe("#submitBatch", function () {
    it("rejects a gap: batch 1 before batch 0", async function () {
      const [sIn, sOut] = stateOf(honest.plan, 1);
      await expect(as(anyone).submitBatch(A, 0, 1, sIn, sOut, honest.batch[1]!)).to.be.revertedWithCustomError(registry, "BatchOutOfOrder").withArgs(A, 0, 0, 1);
    });

    it("rejects batch 1's proof presented as batch 0 (it does not start at the genesis)", async function () {
      const [sIn, sOut] = stateOf(honest.plan, 1);
      await expect(as(anyone).submitBatch(A, 0, 0, sIn, sOut, honest.batch[1]!)).to.be.revertedWithCustomError(registry, "InvalidBatchProof").withArgs(A, 0, 0);
    });

    it("rejects a batch of another period of the same custodian", async function () {
      const [sIn, sOut] = stateOf(honest.plan, 0);
      await expect(as(anyone).submitBatch(A, 1, 0, sIn, sOut, honest.batch[0]!)).to.be.revertedWithCustomError(registry, "InvalidBatchProof").withArgs(A, 1, 0);
    });

    it("rejects A's batch in another custodian's period with the same root (the tag binds the custodian)", async function () {
      const [sIn, sOut] = stateOf(honest.plan, 0);
      await expect(as(other).submitBatch(B, 0, 0, sIn, sOut, honest.batch[0]!)).to.be.revertedWithCustomError(registry, "InvalidBatchProof").withArgs(B, 0, 0);
    });

    it("rejects a batch proved at weights other than the epoch's (wrong weights hash)", async function () {
      const [sIn, sOut] = stateOf(wrongWeights.plan, 0);
      expect(wrongWeights.plan.reserveWeightsHash).to.not.equal(honest.plan.reserveWeightsHash);
      await expect(as(anyone).submitBatch(A, 2, 0, sIn, sOut, wrongWeights.batch[0]!)).to.be.revertedWithCustomError(registry, "InvalidBatchProof").withArgs(A, 2, 0);
    });

    it("rejects a state out of the field", async function () {
      const [sIn] = stateOf(honest.plan, 0);
      await expect(as(anyone).submitBatch(A, 0, 0, sIn, FIELD_MODULUS, honest.batch[0]!)).to.be.revertedWithCustomError(registry, "NotAFieldElement").withArgs(FIELD_MODULUS);
    });

    it("rejects batch 0's starting state out of the field, its own alias included, before the verifier sees it", async function () {
      // Batch 0's state in is checked against no earlier batch: the registry's own bound names it (the
      // verifier would only answer false, InvalidBatchProof), also for the honest state's alias sIn + p.
      const [sIn, sOut] = stateOf(honest.plan, 0);
      for (const alias of [FIELD_MODULUS, sIn + FIELD_MODULUS]) {
        await expect(as(anyone).submitBatch(A, 0, 0, alias, sOut, honest.batch[0]!)).to.be.revertedWithCustomError(registry, "NotAFieldElement").withArgs(alias);
      }
    });

    it("accepts batch 0 from anyone", async function () {
      const [sIn, sOut] = stateOf(honest.plan, 0);
      const tx = await as(anyone).submitBatch(A, 0, 0, sIn, sOut, honest.batch[0]!);
      await expect(tx).to.emit(registry, "BatchVerified").withArgs(A, 0, 0, sOut, await anyone.getAddress());
      gas["submitBatch (batch 0)"] = (await tx.wait())!.gasUsed;
      const p = await registry.period(A, 0);
      expect(p.nextBatch).to.equal(1n);
      expect(p.lastState).to.equal(sOut);
    });

    it("rejects an overlap: batch 0 again", async function () {
      const [sIn, sOut] = stateOf(honest.plan, 0);
      await expect(as(anyone).submitBatch(A, 0, 0, sIn, sOut, honest.batch[0]!)).to.be.revertedWithCustomError(registry, "BatchOutOfOrder").withArgs(A, 0, 1, 0);
    });

    it("rejects batch 1 from a state other than the one batch 0 left", async function () {
      const [sIn, sOut] = stateOf(honest.plan, 1);
      await expect(as(anyone).submitBatch(A, 0, 1, sIn + 1n, sOut, honest.batch[1]!)).to.be.revertedWithCustomError(registry, "StateMismatch").withArgs(A, 0, sIn, sIn + 1n);
    });

    it("rejects batch 1 with a forged output state", async function () {
      const [sIn, sOut] = stateOf(honest.plan, 1);
      await expect(as(anyone).submitBatch(A, 0, 1, sIn, sOut + 1n, honest.batch[1]!)).to.be.revertedWithCustomError(registry, "InvalidBatchProof").withArgs(A, 0, 1);
    });
  });

  describe("#finalize", function () {
    it("rejects finalize before every batch is verified", async function () {
      await expect(as(anyone).finalize(A, 0, honest.final!)).to.be.revertedWithCustomError(registry, "BatchesMissing").withArgs(A, 0, 1, 2);
    });

    it("accepts the last batch, then rejects any further batch", async function () {
      const [sIn, sOut] = stateOf(honest.plan, 1);
      const tx = await as(anyone).submitBatch(A, 0, 1, sIn, sOut, honest.batch[1]!);
      gas["submitBatch (batch 1)"] = (await tx.wait())!.gasUsed;
      await expect(as(anyone).submitBatch(A, 0, 2, sIn, sOut, honest.batch[1]!)).to.be.revertedWithCustomError(registry, "NoBatchLeft").withArgs(A, 0, 2);
    });

    it("rejects another period's final proof", async function () {
      await expect(as(anyone).finalize(A, 0, period1.final!)).to.be.revertedWithCustomError(registry, "InvalidFinalProof").withArgs(A, 0);
    });

    it("marks the honest period verified", async function () {
      const tx = await as(anyone).finalize(A, 0, honest.final!);
      await expect(tx).to.emit(registry, "PeriodVerified").withArgs(A, 0, epoch, honest.plan.root);
      gas["finalize"] = (await tx.wait())!.gasUsed;
      expect(await registry.isVerified(A, 0)).to.equal(true);
      expect(await registry.latestVerifiedPeriod(A)).to.deep.equal([true, 0n]);
      expect((await registry.period(A, 0)).lastState).to.equal(honest.plan.final.stateFinal);
    });

    it("rejects a second finalize and any batch after verification", async function () {
      await expect(as(anyone).finalize(A, 0, honest.final!)).to.be.revertedWithCustomError(registry, "PeriodAlreadyVerified").withArgs(A, 0);
      const [sIn, sOut] = stateOf(honest.plan, 1);
      await expect(as(anyone).submitBatch(A, 0, 2, sIn, sOut, honest.batch[1]!)).to.be.revertedWithCustomError(registry, "PeriodAlreadyVerified").withArgs(A, 0);
    });

    it("rejects a final proof whose reserves differ from the published ones", async function () {
      const [sIn, sOut] = stateOf(period1.plan, 0);
      await (await as(anyone).submitBatch(A, 1, 0, sIn, sOut, period1.batch[0]!)).wait();
      await expect(as(anyone).finalize(A, 1, period1.final!)).to.be.revertedWithCustomError(registry, "InvalidFinalProof").withArgs(A, 1);
      expect(await registry.isVerified(A, 1)).to.equal(false);
    });

    it("cannot be given a final proof with reserves below the clients' net balance: planning refuses and the circuit rejects the witness", async function () {
      const p = period1.plan;
      const net0 = p.sums.assets[0]! - p.sums.liabilities[0]!;
      expect(net0 > 0n).to.equal(true);
      const low = [...p.final.reserves];
      low[0] = net0 - 1n;
      expect(() => planPeriod({ h, custodian: A, periodIndex: 1, clients: clients.slice(0, 10), weights, reserves: low })).to.throw(RangeError, /reserves\[0\] = .* is below the clients' net balance/);
      const last = p.batches[p.batches.length - 1]!.after;
      const forged = buildFinalize(h, last, low);
      const err = await provers[0]!.prove(defaultArtifacts().finalize, toCircuitInput(forged.input)).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).to.be.instanceOf(WitnessRejectedError);
    });

    it("reverts UnknownPeriod for submissions to a period never opened", async function () {
      const [sIn, sOut] = stateOf(honest.plan, 0);
      await expect(as(anyone).submitBatch(A, 9, 0, sIn, sOut, honest.batch[0]!)).to.be.revertedWithCustomError(registry, "UnknownPeriod").withArgs(A, 9);
      await expect(as(anyone).finalize(A, 9, honest.final!)).to.be.revertedWithCustomError(registry, "UnknownPeriod").withArgs(A, 9);
    });
  });
});
