/**
 * The reserves circuits (circuits/src/reserves*.circom): ReservesBatch(32, 16, 20) and
 * ReservesFinalize(16), on real witnesses.
 *
 * Expected public values are computed here from the Poseidon permutation and the documented
 * formats, independently of prover/src/reserves (and compared with it). Dishonest inputs are
 * built by hand from a raw description (every derived public value recomputed in the field, so
 * that only the constraint under test can fail) and each failure is matched to that constraint's
 * line in circuits/src/reserves.circom.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { FIELD_MODULUS as P } from "../../prover/src/constants.js";
import { initPoseidon, type SyncPoseidon } from "../../prover/src/poseidon.js";
import {
  BATCH_SIZE,
  type BatchPlan,
  buildFinalize,
  type ClientBalances,
  N_ASSETS,
  type PeriodPlan,
  planPeriod,
  reserveWeights,
  type ReserveWeights,
  zeroHashes,
} from "../../prover/src/reserves/index.js";
import { type CircuitInput, constraintLine, loadCircuit, PROJECT_ROOT, type TestCircuit } from "../helpers/circuit.js";
import { rng } from "../helpers/reference.js";

const TWO_32 = 1n << 32n;
const TWO_64 = 1n << 64n;
const TWO_84 = 1n << 84n;
const TWO_110 = 1n << 110n;
const TWO_248 = 1n << 248n;
const B = 32;
const DEPTH = 20;
const LB = 5; // log2(B)
const F = DEPTH - LB;

const mod = (x: bigint): bigint => ((x % P) + P) % P;
const zeros = (n: number = N_ASSETS): bigint[] => Array<bigint>(n).fill(0n);

// ---------------------------------------------------------------------------
// Independent reference computations (plain arithmetic on the documented formats, in the field).

function refIdHash(id: string): bigint {
  return BigInt(`0x${createHash("sha256").update(Buffer.from(id, "utf8")).digest("hex")}`) >> 8n;
}

/** Poseidon(13)(idHash, salt, q0..q10), q_k = v[3k] + v[3k+1]·2^64 + v[3k+2]·2^128, v = assets ++ liabilities. */
function refLeaf(h: SyncPoseidon, idHash: bigint, salt: bigint, assets: readonly bigint[], liabilities: readonly bigint[]): bigint {
  const v = [...assets, ...liabilities];
  const q: bigint[] = [];
  for (let k = 0; k < 11; k++) q.push(mod((v[3 * k] ?? 0n) + (v[3 * k + 1] ?? 0n) * TWO_64 + (v[3 * k + 2] ?? 0n) * TWO_64 * TWO_64));
  return h([mod(idHash), mod(salt), ...q]);
}

function refZeros(h: SyncPoseidon): bigint[] {
  const z = [0n];
  for (let k = 0; k < 32; k++) z.push(h([z[k]!, z[k]!]));
  return z;
}

/** Root of the depth-20 tree with `leaves` at 0..n-1 and 0 elsewhere, by recursion on non-empty subtrees. */
function refRoot(h: SyncPoseidon, z: readonly bigint[], leaves: readonly bigint[], level = DEPTH, index = 0): bigint {
  const width = 2 ** level;
  if (index * width >= leaves.length) return z[level]!;
  if (level === 0) return leaves[index]!;
  return h([refRoot(h, z, leaves, level - 1, 2 * index), refRoot(h, z, leaves, level - 1, 2 * index + 1)]);
}

function refWeightsHash(h: SyncPoseidon, w: readonly bigint[]): bigint {
  const groups: bigint[] = [];
  for (let i = 0; i < w.length; i += 4) groups.push(h(w.slice(i, i + 4).map(mod)));
  return h(groups);
}

const refSumsHash = (h: SyncPoseidon, a: readonly bigint[], l: readonly bigint[]): bigint => h([h(a.map(mod)), h(l.map(mod))]);

/** One leaf as a (possibly dishonest) prover feeds it. */
interface RawLeaf {
  idHash: bigint;
  salt: bigint;
  assets: bigint[];
  liabilities: bigint[];
  isReal: bigint;
}

/** Everything a batch witness is made of; the public inputs are derived from it unless overridden. */
interface RawBatch {
  periodTag: bigint;
  batchIndex: bigint;
  lastIdHashIn: bigint;
  rootIn: bigint;
  assetSumsIn: bigint[];
  liabilitySumsIn: bigint[];
  frontierIn: bigint[];
  leaves: RawLeaf[];
  weights: ReserveWeights;
}

type BatchPublics = Partial<Record<"stateIn" | "stateOut" | "reserveWeightsHash" | "tagIndex", bigint>>;

/** The state after `r` as the statement defines it, all in the field. */
function refBatchOut(h: SyncPoseidon, z: readonly bigint[], r: RawBatch): { stateIn: bigint; stateOut: bigint; root: bigint; count: bigint; last: bigint } {
  const stateIn = h([mod(r.periodTag), mod(r.batchIndex * BigInt(B)), mod(r.lastIdHashIn), refSumsHash(h, r.assetSumsIn, r.liabilitySumsIn), h(r.frontierIn.map(mod)), mod(r.rootIn)]);
  let row = r.leaves.map((l) => (l.isReal === 1n ? refLeaf(h, l.idHash, l.salt, l.assets, l.liabilities) : mod(l.isReal * refLeaf(h, l.idHash, l.salt, l.assets, l.liabilities))));
  while (row.length > 1) {
    const next: bigint[] = [];
    for (let i = 0; i < row.length; i += 2) next.push(h([row[i]!, row[i + 1]!]));
    row = next;
  }
  let node = row[0]!;
  const frontier: bigint[] = [];
  for (let k = 0; k < F; k++) {
    const bit = (r.batchIndex >> BigInt(k)) & 1n;
    const left = bit === 1n ? mod(r.frontierIn[k]!) : node;
    const right = bit === 1n ? node : z[LB + k]!;
    frontier.push(left);
    node = h([left, right]);
  }
  const real = r.leaves.filter((l) => l.isReal !== 0n);
  const count = r.batchIndex * BigInt(B) + r.leaves.reduce((acc, l) => acc + l.isReal, 0n);
  const last = real.length === 0 ? r.lastIdHashIn : real[real.length - 1]!.idHash;
  const aOut = r.assetSumsIn.map((s, i) => mod(r.leaves.reduce((acc, l) => acc + l.assets[i]!, s)));
  const lOut = r.liabilitySumsIn.map((s, i) => mod(r.leaves.reduce((acc, l) => acc + l.liabilities[i]!, s)));
  const stateOut = h([mod(r.periodTag), mod(count), mod(last), refSumsHash(h, aOut, lOut), h(frontier), node]);
  return { stateIn, stateOut, root: node, count, last };
}

function rawBatchInput(h: SyncPoseidon, z: readonly bigint[], r: RawBatch, overrides: BatchPublics = {}): CircuitInput {
  const out = refBatchOut(h, z, r);
  return {
    stateIn: overrides.stateIn ?? out.stateIn,
    stateOut: overrides.stateOut ?? out.stateOut,
    reserveWeightsHash: overrides.reserveWeightsHash ?? h([refWeightsHash(h, r.weights.assetWeights), refWeightsHash(h, r.weights.liabilityWeights)]),
    tagIndex: overrides.tagIndex ?? mod(r.periodTag * TWO_32 + r.batchIndex),
    periodTag: mod(r.periodTag),
    lastIdHashIn: mod(r.lastIdHashIn),
    rootIn: mod(r.rootIn),
    assetSumsIn: r.assetSumsIn.map(mod),
    liabilitySumsIn: r.liabilitySumsIn.map(mod),
    frontierIn: r.frontierIn.map(mod),
    idHash: r.leaves.map((l) => mod(l.idHash)),
    salt: r.leaves.map((l) => mod(l.salt)),
    assets: r.leaves.map((l) => l.assets.map(mod)),
    liabilities: r.leaves.map((l) => l.liabilities.map(mod)),
    isReal: r.leaves.map((l) => mod(l.isReal)),
    assetWeights: r.weights.assetWeights.map(mod),
    liabilityWeights: r.weights.liabilityWeights.map(mod),
  };
}

/** The raw form of a planned (honest) batch. */
function rawOf(plan: PeriodPlan, batch: BatchPlan): RawBatch {
  const leaves: RawLeaf[] = plan.leaves.slice(batch.firstLeaf, batch.firstLeaf + batch.clients).map((l) => ({
    idHash: l.idHash,
    salt: l.salt,
    assets: [...l.assets],
    liabilities: [...l.liabilities],
    isReal: 1n,
  }));
  while (leaves.length < B) leaves.push({ idHash: 0n, salt: 0n, assets: zeros(), liabilities: zeros(), isReal: 0n });
  return {
    periodTag: batch.before.periodTag,
    batchIndex: BigInt(batch.batchIndex),
    lastIdHashIn: batch.before.lastIdHash,
    rootIn: batch.before.root,
    assetSumsIn: [...batch.before.assetSums],
    liabilitySumsIn: [...batch.before.liabilitySums],
    frontierIn: [...batch.before.frontier],
    leaves,
    weights: plan.weights,
  };
}

/** Everything the finalize witness is made of. */
interface RawFinal {
  periodTag: bigint;
  count: bigint;
  lastIdHash: bigint;
  frontierHash: bigint;
  root: bigint;
  assetSums: bigint[];
  liabilitySums: bigint[];
  reserveAmounts: bigint[];
}

type FinalPublics = Partial<{ stateFinal: bigint; root: bigint; tagCount: bigint; reserves: bigint[] }>;

function refPackReserves(r: readonly bigint[]): bigint[] {
  const out: bigint[] = [];
  for (let k = 0; k < 6; k++) out.push(mod((r[3 * k] ?? 0n) + (r[3 * k + 1] ?? 0n) * TWO_84 + (r[3 * k + 2] ?? 0n) * TWO_84 * TWO_84));
  return out;
}

function rawFinalInput(h: SyncPoseidon, r: RawFinal, overrides: FinalPublics = {}): CircuitInput {
  const stateFinal = h([mod(r.periodTag), mod(r.count), mod(r.lastIdHash), refSumsHash(h, r.assetSums, r.liabilitySums), mod(r.frontierHash), mod(r.root)]);
  return {
    stateFinal: overrides.stateFinal ?? stateFinal,
    root: overrides.root ?? mod(r.root),
    tagCount: overrides.tagCount ?? mod(r.periodTag * TWO_32 + r.count),
    reserves: overrides.reserves ?? refPackReserves(r.reserveAmounts),
    periodTag: mod(r.periodTag),
    lastIdHash: mod(r.lastIdHash),
    frontierHash: mod(r.frontierHash),
    assetSums: r.assetSums.map(mod),
    liabilitySums: r.liabilitySums.map(mod),
    reserveAmounts: r.reserveAmounts.map(mod),
  };
}

function rawFinalOf(h: SyncPoseidon, plan: PeriodPlan, reserves: readonly bigint[] = plan.final.reserves): RawFinal {
  const last = plan.batches[plan.batches.length - 1]!.after;
  return {
    periodTag: last.periodTag,
    count: BigInt(last.count),
    lastIdHash: last.lastIdHash,
    frontierHash: h(last.frontier),
    root: last.root,
    assetSums: [...last.assetSums],
    liabilitySums: [...last.liabilitySums],
    reserveAmounts: [...reserves],
  };
}

// ---------------------------------------------------------------------------
// A custodian with 69 clients over 16 assets (3 batches, the last one with 5 clients).

const CUSTODIAN = "0x5b38da6a701c568545dcfcb03fcb875f56beddc4";
const OTHER_CUSTODIAN = "0xab8483f64d9c6d1ecf9b849ae677dd3315835cb2";
const PERIOD = 7;
/** Slot 0 is a dollar stablecoin with no haircut (so a client can sit exactly at maintenance). */
const PRICES = [1n, 3000n, 60_000n, 1n, 150n, 2500n, 15n, 400n, 7n, 120n, 2n, 1_000_000n, 3000n, 150n, 1n, 59_000n].map((p) => p * 10n ** 8n);
const HAIRCUTS = PRICES.map((_, i) => (i === 0 ? 0n : BigInt(2 + 4 * i) * 10n ** 16n));


function makeClients(n: number, seed: bigint): ClientBalances[] {
  const rand = rng(seed);
  return Array.from({ length: n }, (_, i) => {
    const assets = Array.from({ length: N_ASSETS }, () => (rand(2) === 0n ? 0n : rand((Number(rand(6)) % 48) + 1)));
    // ~1M USD of stablecoin against at most ~0.065 token owed per slot: everyone healthy.
    assets[0] = 10n ** 12n + rand(40);
    const liabilities = Array.from({ length: N_ASSETS }, (_, j) => (j > 0 && rand(2) === 0n ? rand(16) : 0n));
    return { id: `client-${i}@custodian.example`, salt: rand(253) % P, assets, liabilities };
  });
}

// ---------------------------------------------------------------------------
// Which constraint must reject an input: the failing line of reserves.circom in the error trace.

const failsAt = (template: "ReservesBatch" | "ReservesFinalize", snippet: string): RegExp =>
  constraintLine("circuits/src/reserves.circom", template)(snippet);

const PERIOD_TAG_RANGE = failsAt("ReservesBatch", "RangeCheck(RESERVES_PERIOD_TAG_BITS())(periodTag);");
const BATCH_INDEX_RANGE = failsAt("ReservesBatch", "signal indexBits[F] <== Num2Bits(F)(batchIndex);");
const STATE_IN = failsAt("ReservesBatch", "stateInHash === stateIn;");
const GENESIS_LAST = failsAt("ReservesBatch", "isFirst * lastIdHashIn === 0;");
const GENESIS_ROOT = failsAt("ReservesBatch", "isFirst * rootIn === 0;");
const GENESIS_SUMS = failsAt("ReservesBatch", "isFirst * assetSumsIn[i] === 0;");
const GENESIS_FRONTIER = failsAt("ReservesBatch", "isFirst * (frontierIn[k] - RESERVES_ZERO_HASH(L + k)) === 0;");
const WEIGHTS = failsAt("ReservesBatch", "weightsHashOut === reserveWeightsHash;");
const BOOLEAN = failsAt("ReservesBatch", "isReal[j] * (isReal[j] - 1) === 0;");
const REAL_FIRST = failsAt("ReservesBatch", "isReal[j] * (1 - isReal[j - 1]) === 0;");
const ASSET_RANGE = failsAt("ReservesBatch", "RangeCheckArray(N, BAL)(assets[j]);");
const LIABILITY_RANGE = failsAt("ReservesBatch", "RangeCheckArray(N, BAL)(liabilities[j]);");
const HEALTH = failsAt("ReservesBatch", "ReservesHealth(N)(assets[j], liabilities[j], assetWeights, liabilityWeights);");
const PADDING = failsAt("ReservesBatch", "(1 - isReal[j]) * total === 0;");
const ORDER = failsAt("ReservesBatch", "RangeCheck(ID)(gap[j]);");
const LAST_RANGE = failsAt("ReservesBatch", "RangeCheck(ID)(lastIdHashOut);");
const STATE_OUT = failsAt("ReservesBatch", "stateOutHash === stateOut;");

const F_PERIOD_TAG_RANGE = failsAt("ReservesFinalize", "RangeCheck(RESERVES_PERIOD_TAG_BITS())(periodTag);");
const F_COUNT_RANGE = failsAt("ReservesFinalize", "RangeCheck(RESERVES_INDEX_BITS())(clientCount);");
const F_ASSET_SUMS_RANGE = failsAt("ReservesFinalize", "RangeCheckArray(N, S)(assetSums);");
const F_LIABILITY_SUMS_RANGE = failsAt("ReservesFinalize", "RangeCheckArray(N, S)(liabilitySums);");
const F_RESERVES_RANGE = failsAt("ReservesFinalize", "RangeCheckArray(N, S)(reserveAmounts);");
const F_PACKING = failsAt("ReservesFinalize", "reserves[k] === packed;");
const F_STATE = failsAt("ReservesFinalize", "stateHash === stateFinal;");
const F_COVERAGE = failsAt("ReservesFinalize", "AssertGreaterEqThan(S + 1)([reserveAmounts[i] + liabilitySums[i], assetSums[i]]);");

// ---------------------------------------------------------------------------

describe("Reserves circuits", function () {
  let h: SyncPoseidon;
  let z: bigint[];
  let batch: TestCircuit;
  let finalize: TestCircuit;
  let weights: ReserveWeights;
  let clients: ClientBalances[];
  let plan: PeriodPlan;

  before(async function () {
    h = await initPoseidon();
    z = refZeros(h);
    batch = await loadCircuit("circuits/main/reserves_batch.circom");
    finalize = await loadCircuit("circuits/main/reserves_finalize.circom");
    for (const c of [batch, finalize]) {
      console.log(
        `      ${c.name}: ${c.info.constraints} constraints, ${c.info.wires} wires, ` +
          (c.compiled ? `compiled in ${(c.compileMs / 1000).toFixed(1)} s` : "cached build"),
      );
    }
    weights = reserveWeights(PRICES, HAIRCUTS);
    clients = makeClients(69, 1n);
    plan = planPeriod({ custodian: CUSTODIAN, periodIndex: PERIOD, clients, weights, h });
  });

  /** Runs a planned batch: its input equals the independent raw build, its public signals are the reference ones. */
  async function provesBatch(p: PeriodPlan, b: BatchPlan): Promise<bigint[]> {
    const expected = rawBatchInput(h, z, rawOf(p, b));
    expect(b.input).to.deep.equal(expected);
    const start = performance.now();
    const witness = await batch.calculateWitness(b.input);
    const ms = performance.now() - start;
    expect(batch.publicSignals(witness)).to.deep.equal([expected.stateIn, expected.stateOut, expected.reserveWeightsHash, expected.tagIndex]);
    expect(batch.publicSignals(witness)).to.deep.equal(b.publicSignals);
    batch.checkConstraints(witness);
    if (b.batchIndex === 0) console.log(`      batch witness: ${ms.toFixed(0)} ms`);
    return witness;
  }

  describe("sizes and constants", function () {
    it("fits the batch circuit of B = BATCH_SIZE clients (constraints + public inputs) in a 2^17 phase-1 file, not a 2^16 one", function () {
      expect(BATCH_SIZE).to.equal(B);
      expect(batch.info.publicInputs).to.equal(4);
      const domain = batch.info.constraints + batch.info.publicInputs + batch.info.publicOutputs;
      expect(domain).to.be.below(2 ** 17);
      expect(domain).to.be.at.least(2 ** 16);
      expect(finalize.info.publicInputs).to.equal(9);
    });

    it("has the zero-subtree table of reserves_tree.circom equal to Z_k = Poseidon(Z_{k-1}, Z_{k-1})", function () {
      const source = readFileSync(join(PROJECT_ROOT, "circuits/src/reserves_tree.circom"), "utf8");
      const table = [...source.matchAll(/z\[(\d+)\] = (\d+);/g)].map((m) => [Number(m[1]), BigInt(m[2]!)] as const);
      expect(table.map(([k]) => k)).to.deep.equal(Array.from({ length: 33 }, (_, k) => k));
      expect(table.map(([, v]) => v)).to.deep.equal(z);
      expect(zeroHashes(h, 32)).to.deep.equal(z);
    });
  });

  describe("an honest period", function () {
    it("proves 69 clients batch by batch (32, 32, 5) and the states chain", async function () {
      expect(plan.batches.map((b) => b.clients)).to.deep.equal([32, 32, 5]);
      for (const [k, b] of plan.batches.entries()) {
        await provesBatch(plan, b);
        expect(b.tagIndex).to.equal(periodTagOf(CUSTODIAN, PERIOD) * TWO_32 + BigInt(k));
        if (k > 0) expect(b.stateIn).to.equal(plan.batches[k - 1]!.stateOut);
      }
    });

    it("starts from the genesis state and ends at the tree root and the per-asset sums computed in TypeScript", async function () {
      const genesis = h([periodTagOf(CUSTODIAN, PERIOD), 0n, 0n, refSumsHash(h, zeros(), zeros()), h(z.slice(LB, LB + F)), 0n]);
      expect(plan.batches[0]!.stateIn).to.equal(genesis);
      const sorted = [...clients].sort((a, b) => (refIdHash(a.id) < refIdHash(b.id) ? -1 : 1));
      const leaves = sorted.map((c) => refLeaf(h, refIdHash(c.id), c.salt!, c.assets, c.liabilities));
      const root = refRoot(h, z, leaves);
      expect(plan.root).to.equal(root);
      const last = plan.batches[2]!;
      expect(last.after.root).to.equal(root);
      expect(last.after.count).to.equal(69);
      expect(last.after.lastIdHash).to.equal(refIdHash(sorted[68]!.id));
      const sums = (key: "assets" | "liabilities"): bigint[] => Array.from({ length: N_ASSETS }, (_, i) => clients.reduce((acc, c) => acc + c[key][i]!, 0n));
      expect(last.after.assetSums).to.deep.equal(sums("assets"));
      expect(last.after.liabilitySums).to.deep.equal(sums("liabilities"));
      // The circuit's stateOut opens to exactly this tuple.
      const tuple = [periodTagOf(CUSTODIAN, PERIOD), 69n, refIdHash(sorted[68]!.id), refSumsHash(h, sums("assets"), sums("liabilities")), h(last.after.frontier), root];
      const witness = await batch.calculateWitness(last.input);
      expect(batch.readSignal(witness, "main.stateOut")).to.equal(h(tuple));
    });

    it("finalizes with reserves exactly equal to the net client balances", async function () {
      const raw = rawFinalOf(h, plan);
      const expected = rawFinalInput(h, raw);
      expect(plan.final.input).to.deep.equal(expected);
      const witness = await finalize.calculateWitness(plan.final.input);
      expect(finalize.publicSignals(witness)).to.deep.equal(plan.final.publicSignals);
      expect(plan.final.publicSignals).to.deep.equal([expected.stateFinal, expected.root, expected.tagCount, ...(expected.reserves as bigint[])]);
      expect(plan.final.stateFinal).to.equal(plan.batches[2]!.stateOut);
      expect(plan.final.tagCount).to.equal(periodTagOf(CUSTODIAN, PERIOD) * TWO_32 + 69n);
      finalize.checkConstraints(witness);
    });

    it("finalizes with zero reserves for an asset whose liabilities exceed its assets", async function () {
      const borrowers = makeClients(3, 9n).map((c, k) => ({
        ...c,
        assets: c.assets.map((a, i) => (i === 5 ? BigInt(k) * 100n : a)),
        liabilities: c.liabilities.map((l, i) => (i === 5 ? 1000n : l)),
      }));
      const p = planPeriod({ custodian: CUSTODIAN, periodIndex: PERIOD, clients: borrowers, weights, h });
      expect(p.sums.liabilities[5]! > p.sums.assets[5]!).to.equal(true);
      expect(p.final.reserves[5]).to.equal(0n);
      await provesBatch(p, p.batches[0]!);
      finalize.checkConstraints(await finalize.calculateWitness(p.final.input));
    });

    it("accepts two full batches (64 clients) and a period of one client", async function () {
      for (const n of [64, 1]) {
        const p = planPeriod({ custodian: CUSTODIAN, periodIndex: 1, clients: makeClients(n, BigInt(n)), weights, h });
        for (const b of p.batches) await provesBatch(p, b);
        expect(p.batches[p.batches.length - 1]!.after.root).to.equal(refRoot(h, z, p.leafHashes));
        await finalize.calculateWitness(p.final.input);
      }
    });

    it("accepts a client exactly at maintenance (collateral value equal to requirement)", async function () {
      // Slot 0 has no haircut: 100 units held against 100 units owed is exactly healthy.
      const edge: ClientBalances = { id: "edge", salt: 5n, assets: [100n, ...zeros(15)], liabilities: [100n, ...zeros(15)] };
      const p = planPeriod({ custodian: CUSTODIAN, periodIndex: PERIOD, clients: [edge, ...makeClients(3, 4n)], weights, h });
      await provesBatch(p, p.batches[0]!);
    });

    it("accepts balances of 2^64 - 1 against weights of 2^110 - 1 (the health comparison at its 178-bit bound)", async function () {
      const max = TWO_64 - 1n;
      const w = { assetWeights: Array<bigint>(N_ASSETS).fill(TWO_110 - 1n), liabilityWeights: Array<bigint>(N_ASSETS).fill(TWO_110 - 1n) };
      const whale: ClientBalances = { id: "whale", salt: P - 1n, assets: Array<bigint>(N_ASSETS).fill(max), liabilities: Array<bigint>(N_ASSETS).fill(max) };
      const p = planPeriod({ custodian: CUSTODIAN, periodIndex: PERIOD, clients: [whale], weights: w, h });
      await provesBatch(p, p.batches[0]!);
      // One unit more liability in one slot is not healthy.
      const raw = rawOf(p, p.batches[0]!);
      raw.leaves[0]!.assets[3] = max - 1n;
      await batch.expectWitnessFailure(rawBatchInput(h, z, raw), HEALTH);
    });
  });

  describe("dishonest batches", function () {
    const honest = (k = 0): RawBatch => structuredClone(rawOf(plan, plan.batches[k]!));

    it("accepts the untouched raw input (the baseline of every case below)", async function () {
      for (const k of [0, 1, 2]) await batch.calculateWitness(rawBatchInput(h, z, honest(k)));
    });

    it("rejects an asset balance of p - 1, although its leaf collides with an honest one", async function () {
      const raw = honest(1);
      const leaf = raw.leaves[4]!;
      // (p - 1, x) packs like (2^64 - 1, x - 1): the leaf hash opens, the range check must stop it.
      leaf.assets[1] = leaf.assets[1]! + 1n;
      const forged = { ...leaf, assets: [P - 1n, ...leaf.assets.slice(1)] };
      const twin = { ...leaf, assets: [TWO_64 - 1n, leaf.assets[1]! - 1n, ...leaf.assets.slice(2)] };
      expect(refLeaf(h, forged.idHash, forged.salt, forged.assets, forged.liabilities)).to.equal(refLeaf(h, twin.idHash, twin.salt, twin.assets, twin.liabilities));
      raw.leaves[4] = forged;
      await batch.expectWitnessFailure(rawBatchInput(h, z, raw), ASSET_RANGE);
    });

    it("rejects a liability of p - 1 (a negative debt would raise the client's value)", async function () {
      const raw = honest(0);
      raw.leaves[2]!.liabilities[7] = P - 1n;
      await batch.expectWitnessFailure(rawBatchInput(h, z, raw), LIABILITY_RANGE);
    });

    it("rejects an asset balance of -1000 (p - 1000)", async function () {
      const raw = honest(0);
      raw.leaves[9]!.assets[0] = -1000n;
      await batch.expectWitnessFailure(rawBatchInput(h, z, raw), ASSET_RANGE);
    });

    it("rejects an asset balance of 2^64 (overflow) and accepts 2^64 - 1", async function () {
      const raw = honest(0);
      raw.leaves[0]!.assets[15] = TWO_64 - 1n;
      await batch.calculateWitness(rawBatchInput(h, z, raw));
      raw.leaves[0]!.assets[15] = TWO_64;
      await batch.expectWitnessFailure(rawBatchInput(h, z, raw), ASSET_RANGE);
    });

    it("rejects a liability of 2^64 (overflow)", async function () {
      const raw = honest(2);
      raw.leaves[4]!.liabilities[0] = TWO_64;
      raw.leaves[4]!.assets[0] = TWO_64 - 1n;
      await batch.expectWitnessFailure(rawBatchInput(h, z, raw), LIABILITY_RANGE);
    });

    it("rejects a client under maintenance by one unit of liability", async function () {
      const raw = honest(1);
      const leaf = raw.leaves[11]!;
      // Slot 0 has weight 1e16 on both sides: owe exactly the surplus (passes), then one unit more.
      const collateral = leaf.assets.reduce((acc, a, i) => acc + a * weights.assetWeights[i]!, 0n);
      const owed = leaf.liabilities.reduce((acc, l, i) => acc + l * weights.liabilityWeights[i]!, 0n);
      const w0 = weights.liabilityWeights[0]!;
      expect(weights.assetWeights[0]).to.equal(w0);
      leaf.liabilities[0] = leaf.liabilities[0]! + (collateral - owed) / w0;
      const surplus = collateral - leaf.liabilities.reduce((acc, l, i) => acc + l * weights.liabilityWeights[i]!, 0n);
      expect(surplus >= 0n && surplus < w0).to.equal(true);
      await batch.calculateWitness(rawBatchInput(h, z, raw));
      leaf.liabilities[0] = leaf.liabilities[0]! + 1n;
      await batch.expectWitnessFailure(rawBatchInput(h, z, raw), HEALTH);
    });

    it("rejects weights that differ from the epoch's by one unit", async function () {
      const raw = honest(0);
      const expected = rawBatchInput(h, z, raw).reserveWeightsHash as bigint;
      raw.weights = { assetWeights: raw.weights.assetWeights.map((w, i) => (i === 3 ? w + 1n : w)), liabilityWeights: raw.weights.liabilityWeights };
      await batch.expectWitnessFailure(rawBatchInput(h, z, raw, { reserveWeightsHash: expected }), WEIGHTS);
    });

    it("rejects the same client twice in one batch (equal idHash)", async function () {
      const raw = honest(0);
      raw.leaves[6] = { ...raw.leaves[5]!, salt: raw.leaves[5]!.salt + 1n };
      // Keep the order of the rest: leaf 7 is above leaf 6 again.
      await batch.expectWitnessFailure(rawBatchInput(h, z, raw), ORDER);
    });

    it("rejects the same client twice across a batch boundary", async function () {
      const raw = honest(1);
      // Batch 1's first client is batch 0's last (the state's lastIdHash).
      raw.leaves[0] = { ...raw.leaves[0]!, idHash: raw.lastIdHashIn };
      await batch.expectWitnessFailure(rawBatchInput(h, z, raw), ORDER);
    });

    it("rejects clients out of idHash order", async function () {
      const raw = honest(0);
      [raw.leaves[3], raw.leaves[4]] = [raw.leaves[4]!, raw.leaves[3]!];
      await batch.expectWitnessFailure(rawBatchInput(h, z, raw), ORDER);
    });

    it("rejects a last idHash of 2^248 (the ordering only holds below 2^248)", async function () {
      const raw = honest(2);
      raw.leaves[4]!.idHash = TWO_248;
      await batch.expectWitnessFailure(rawBatchInput(h, z, raw), LAST_RANGE);
      raw.leaves[4]!.idHash = TWO_248 - 1n;
      await batch.calculateWitness(rawBatchInput(h, z, raw));
    });

    it("rejects an idHash that wraps the field (p - 1 then a small one)", async function () {
      const raw = honest(2);
      raw.leaves[3]!.idHash = P - 1n;
      await batch.expectWitnessFailure(rawBatchInput(h, z, raw), ORDER);
    });

    it("rejects ids that wrap the field back onto an earlier client through 25 gaps just under 2^249 (each gap is held below 2^248)", async function () {
      // With B = 32 the single last-id check bounds the ids only while the gaps are below 2^248:
      // 25 gaps of about 2^248.96 sum to exactly p, so leaf 25 would repeat leaf 0's id and the last id
      // would still be below 2^248. A gap check one bit wider would accept this batch.
      const raw = honest(0);
      expect(raw.leaves.every((l) => l.isReal === 1n)).to.equal(true);
      const q = P / 25n;
      const steps = [...Array<bigint>(24).fill(q), P - 24n * q];
      expect(steps.every((s) => s - 1n >= TWO_248 && s - 1n < 2n * TWO_248)).to.equal(true);
      const first = raw.leaves[0]!.idHash;
      let id = first;
      for (let k = 1; k <= 25; k++) raw.leaves[k]!.idHash = id = (id + steps[k - 1]!) % P;
      expect(id).to.equal(first);
      for (let k = 26; k < B; k++) raw.leaves[k]!.idHash = first + BigInt(k - 25);
      await batch.expectWitnessFailure(rawBatchInput(h, z, raw), ORDER);
    });

    it("rejects a padding leaf with balances (they would count in the sums without a leaf)", async function () {
      const raw = honest(2);
      raw.leaves[10]!.assets[2] = 5n;
      await batch.expectWitnessFailure(rawBatchInput(h, z, raw), PADDING);
    });

    it("rejects a real leaf after a padding leaf", async function () {
      const raw = honest(2);
      raw.leaves[2]!.isReal = 0n;
      raw.leaves[2]!.assets = zeros();
      raw.leaves[2]!.liabilities = zeros();
      await batch.expectWitnessFailure(rawBatchInput(h, z, raw), REAL_FIRST);
    });

    it("rejects a non-boolean isReal", async function () {
      const raw = honest(2);
      raw.leaves[4]!.isReal = 2n;
      await batch.expectWitnessFailure(rawBatchInput(h, z, raw), BOOLEAN);
    });

    it("rejects a stateOut whose sums are one unit off", async function () {
      const raw = honest(1);
      const wrong = structuredClone(raw);
      wrong.assetSumsIn[4] = wrong.assetSumsIn[4]! + 1n;
      const stateOut = refBatchOut(h, z, wrong).stateOut;
      await batch.expectWitnessFailure(rawBatchInput(h, z, raw, { stateOut }), STATE_OUT);
    });

    it("rejects a stateOut that leaves a client out (count and root of the batch without it)", async function () {
      const raw = honest(2);
      const without = structuredClone(raw);
      without.leaves.splice(2, 1);
      without.leaves.push({ idHash: 0n, salt: 0n, assets: zeros(), liabilities: zeros(), isReal: 0n });
      const stateOut = refBatchOut(h, z, without).stateOut;
      await batch.expectWitnessFailure(rawBatchInput(h, z, raw, { stateOut }), STATE_OUT);
    });

    it("rejects a batch gap (batch 2 on top of batch 0's state) and an overlap (batch 1 again on top of batch 1's state)", async function () {
      const gap = honest(1);
      gap.batchIndex = 2n;
      await batch.expectWitnessFailure(rawBatchInput(h, z, gap, { stateIn: plan.batches[1]!.stateIn }), STATE_IN);
      const overlap = honest(2);
      overlap.batchIndex = 1n;
      await batch.expectWitnessFailure(rawBatchInput(h, z, overlap, { stateIn: plan.batches[2]!.stateIn }), STATE_IN);
    });

    it("rejects any batch after the partial last one (69 clients is not a multiple of 32)", async function () {
      const after = plan.batches[2]!.after;
      for (const batchIndex of [2n, 3n]) {
        const raw: RawBatch = {
          ...honest(2),
          batchIndex,
          lastIdHashIn: after.lastIdHash,
          rootIn: after.root,
          assetSumsIn: after.assetSums,
          liabilitySumsIn: after.liabilitySums,
          frontierIn: after.frontier,
          leaves: Array.from({ length: B }, () => ({ idHash: 0n, salt: 0n, assets: zeros(), liabilities: zeros(), isReal: 0n })),
        };
        await batch.expectWitnessFailure(rawBatchInput(h, z, raw, { stateIn: plan.batches[2]!.stateOut }), STATE_IN);
      }
    });

    it("rejects a first batch that does not start from the genesis", async function () {
      const cases: [string, (r: RawBatch) => void, RegExp][] = [
        ["a lastIdHash", (r) => (r.lastIdHashIn = 1n), GENESIS_LAST],
        ["a root", (r) => (r.rootIn = 12345n), GENESIS_ROOT],
        ["an asset sum", (r) => (r.assetSumsIn[0] = 10n ** 15n), GENESIS_SUMS],
        ["a frontier entry", (r) => (r.frontierIn[3] = 0n), GENESIS_FRONTIER],
      ];
      for (const [, mutate, where] of cases) {
        const raw = honest(0);
        mutate(raw);
        await batch.expectWitnessFailure(rawBatchInput(h, z, raw), where);
      }
    });

    it("rejects a batch proof for another period (tagIndex of another custodian or period index)", async function () {
      const tagA = plan.batches[1]!.tagIndex;
      for (const tagB of [periodTagOf(OTHER_CUSTODIAN, PERIOD), periodTagOf(CUSTODIAN, PERIOD + 1)]) {
        // Period B's batch 1 (its own consistent witness), checked against period A's tagIndex:
        // tagIndex_A does not split as periodTag_B * 2^32 + a batch index below 2^15.
        const rawB = honest(1);
        rawB.periodTag = tagB;
        await batch.calculateWitness(rawBatchInput(h, z, rawB));
        await batch.expectWitnessFailure(rawBatchInput(h, z, rawB, { tagIndex: tagA }), BATCH_INDEX_RANGE);
        // Claiming periodTag A privately makes the split work, but then period B's stateIn does not open.
        const stateInB = refBatchOut(h, z, rawB).stateIn;
        await batch.expectWitnessFailure(rawBatchInput(h, z, honest(1), { stateIn: stateInB }), STATE_IN);
        // Period A's batch with period B's tagIndex.
        await batch.expectWitnessFailure(rawBatchInput(h, z, honest(1), { tagIndex: tagB * TWO_32 + 1n }), BATCH_INDEX_RANGE);
      }
    });

    it("rejects a periodTag of 2^192 or more (another split of the same tagIndex)", async function () {
      const raw = honest(1);
      // periodTag' = (tagIndex - 0) / 2^32 mod p: tagIndex = periodTag' * 2^32 + 0 in the field.
      raw.periodTag = mod(plan.batches[1]!.tagIndex * modInverse(TWO_32));
      raw.batchIndex = 0n;
      await batch.expectWitnessFailure(rawBatchInput(h, z, raw, { tagIndex: plan.batches[1]!.tagIndex }), PERIOD_TAG_RANGE);
    });

    it("rejects a batchIndex of 2^15 (the tree of 2^20 clients is full)", async function () {
      const raw = honest(1);
      raw.batchIndex = 1n << 15n;
      await batch.expectWitnessFailure(rawBatchInput(h, z, raw), BATCH_INDEX_RANGE);
    });
  });

  describe("dishonest finalization", function () {
    const net = (): bigint[] => plan.sums.assets.map((a, i) => (a > plan.sums.liabilities[i]! ? a - plan.sums.liabilities[i]! : 0n));

    it("rejects reserves one unit below the net client balance of an asset", async function () {
      for (const i of [0, 7, 15]) {
        const reserves = net();
        expect(reserves[i]! > 0n).to.equal(true);
        reserves[i] = reserves[i]! - 1n;
        await finalize.expectWitnessFailure(rawFinalInput(h, rawFinalOf(h, plan, reserves)), F_COVERAGE);
      }
    });

    it("accepts reserves above the net balance (buildFinalize) and rejects zero reserves", async function () {
      const more = net().map((r) => r + 10n ** 9n);
      await finalize.calculateWitness(buildFinalize(h, plan.batches[2]!.after, more).input);
      await finalize.expectWitnessFailure(buildFinalize(h, plan.batches[2]!.after, zeros()).input, F_COVERAGE);
    });

    it("rejects per-asset sums that do not open stateFinal (one unit less of assets)", async function () {
      const raw = rawFinalOf(h, plan);
      const stateFinal = rawFinalInput(h, raw).stateFinal as bigint;
      raw.assetSums[2] = raw.assetSums[2]! - 1n;
      await finalize.expectWitnessFailure(rawFinalInput(h, raw, { stateFinal }), F_STATE);
    });

    it("rejects a liability sum of p - 1 (a negative sum would shrink the net)", async function () {
      const raw = rawFinalOf(h, plan);
      raw.liabilitySums[1] = P - 1n;
      await finalize.expectWitnessFailure(rawFinalInput(h, raw), F_LIABILITY_SUMS_RANGE);
      const raw2 = rawFinalOf(h, plan);
      raw2.assetSums[1] = TWO_84;
      await finalize.expectWitnessFailure(rawFinalInput(h, raw2), F_ASSET_SUMS_RANGE);
    });

    it("rejects a root without one client (the root and the count of the tree built without it)", async function () {
      const without = plan.leafHashes.filter((_, i) => i !== 20);
      const root = refRoot(h, z, without);
      expect(root).to.not.equal(plan.root);
      const raw = rawFinalOf(h, plan);
      const stateFinal = rawFinalInput(h, raw).stateFinal as bigint;
      await finalize.expectWitnessFailure(rawFinalInput(h, { ...raw, root }, { stateFinal }), F_STATE);
      await finalize.expectWitnessFailure(rawFinalInput(h, { ...raw, count: 68n }, { stateFinal }), F_STATE);
    });

    it("rejects a finalization for another period", async function () {
      const raw = rawFinalOf(h, plan);
      const stateFinal = rawFinalInput(h, raw).stateFinal as bigint;
      await finalize.expectWitnessFailure(rawFinalInput(h, { ...raw, periodTag: periodTagOf(CUSTODIAN, PERIOD + 1) }, { stateFinal }), F_STATE);
    });

    it("rejects packed public reserves that differ from the proven ones", async function () {
      const raw = rawFinalOf(h, plan);
      const reserves = refPackReserves(raw.reserveAmounts.map((r, i) => (i === 4 ? r + 1n : r)));
      await finalize.expectWitnessFailure(rawFinalInput(h, raw, { reserves }), F_PACKING);
    });

    it("rejects a reserve of 2^84 (its packing would alias the next slot)", async function () {
      const raw = rawFinalOf(h, plan);
      raw.reserveAmounts[0] = raw.reserveAmounts[0]! + TWO_84;
      await finalize.expectWitnessFailure(rawFinalInput(h, raw), F_RESERVES_RANGE);
    });

    it("rejects a periodTag of 2^192 or more and a client count of 2^32 or more", async function () {
      const raw = rawFinalOf(h, plan);
      const tagCount = raw.periodTag * TWO_32 + raw.count;
      await finalize.expectWitnessFailure(rawFinalInput(h, { ...raw, periodTag: mod(tagCount * modInverse(TWO_32)), count: 0n }, { tagCount }), F_PERIOD_TAG_RANGE);
      await finalize.expectWitnessFailure(rawFinalInput(h, { ...raw, periodTag: raw.periodTag - 1n, count: raw.count + TWO_32 }, { tagCount }), F_COUNT_RANGE);
    });
  });
});

/** periodTag = (uint160(custodian) << 32) | periodIndex, computed by hand. */
function periodTagOf(custodian: string, periodIndex: number): bigint {
  return BigInt(custodian) * TWO_32 + BigInt(periodIndex);
}

/** x^-1 mod p (Fermat). */
function modInverse(x: bigint): bigint {
  let result = 1n;
  let base = mod(x);
  let e = P - 2n;
  while (e > 0n) {
    if (e & 1n) result = (result * base) % P;
    base = (base * base) % P;
    e >>= 1n;
  }
  return result;
}
