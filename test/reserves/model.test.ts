/**
 * The TypeScript model of proof of reserves (prover/src/reserves): normalisation and its rounding,
 * weights, client ids, leaves, the tree and inclusion paths, the state chain, and planPeriod's
 * validation. Reference values are computed here by plain arithmetic on the documented formats.
 */
import { createHash } from "node:crypto";
import { expect } from "chai";
import { FIELD_MODULUS as P, WAD } from "../../prover/src/constants.js";
import { weightsHash } from "../../prover/src/encoding.js";
import { initPoseidon, type SyncPoseidon } from "../../prover/src/poseidon.js";
import {
  appendSubtree,
  BALANCE_BITS,
  BATCH_SIZE,
  buildTree,
  checkInclusion,
  type ClientBalances,
  computeRoot,
  FRONTIER_SIZE,
  genesisState,
  idHash,
  inclusionProof,
  inclusionProofFromJson,
  inclusionProofToJson,
  leafHash,
  MAX_BATCHES,
  N_ASSETS,
  normalizeAmount,
  normalizeAsset,
  normalizeClient,
  normalizeLiability,
  normalizeReserves,
  packBalances,
  packReserves,
  packTagCount,
  packTagIndex,
  periodTag,
  planPeriod,
  RESERVE_DECIMALS,
  reserveWeights,
  reserveWeightsHash,
  stateHash,
  subtreeRoot,
  TREE_DEPTH,
  unpackReserves,
  unpackTag,
  verifyInclusion,
  verifyPath,
  zeroHashes,
} from "../../prover/src/reserves/index.js";

const TWO_64 = 1n << 64n;
const CUSTODIAN = "0x5b38da6a701c568545dcfcb03fcb875f56beddc4";
const zeros = (n = N_ASSETS): bigint[] => Array<bigint>(n).fill(0n);
const PRICES = Array.from({ length: N_ASSETS }, (_, i) => BigInt(i + 1) * 10n ** 8n);
const HAIRCUTS = Array.from({ length: N_ASSETS }, (_, i) => BigInt(i) * 2n * 10n ** 16n);

function client(i: number, overrides: Partial<ClientBalances> = {}): ClientBalances {
  const assets = Array.from({ length: N_ASSETS }, (_, j) => BigInt((i + 1) * (j + 3)) * 1000n);
  const liabilities = Array.from({ length: N_ASSETS }, (_, j) => (j % 3 === 1 ? BigInt(i + j) : 0n));
  return { id: `client-${i}`, salt: BigInt(1000 + i), assets, liabilities, ...overrides };
}

describe("Reserves model (prover/src/reserves)", function () {
  let h: SyncPoseidon;

  before(async function () {
    h = await initPoseidon();
  });

  describe("normalisation to 6 decimals", function () {
    it("uses 6 decimals and 64-bit balances", function () {
      expect(RESERVE_DECIMALS).to.equal(6);
      expect(BALANCE_BITS).to.equal(64);
    });

    it("rounds assets down and liabilities up for an 18-decimal token", function () {
      const x = 1_234_567_890_123_456_789n; // 1.234567890123456789 tokens
      expect(normalizeAsset(x, 18)).to.equal(1_234_567n);
      expect(normalizeLiability(x, 18)).to.equal(1_234_568n);
      // One base unit: nothing as an asset, a whole normalised unit as a liability.
      expect(normalizeAsset(1n, 18)).to.equal(0n);
      expect(normalizeLiability(1n, 18)).to.equal(1n);
      // Exact multiples are the same both ways.
      expect(normalizeAsset(5n * 10n ** 12n, 18)).to.equal(5n);
      expect(normalizeLiability(5n * 10n ** 12n, 18)).to.equal(5n);
      expect(normalizeLiability(0n, 18)).to.equal(0n);
    });

    it("rounds an 8-decimal token (BTC) by 100 base units", function () {
      expect(normalizeAsset(123_456_789n, 8)).to.equal(1_234_567n);
      expect(normalizeLiability(123_456_789n, 8)).to.equal(1_234_568n);
      expect(normalizeLiability(123_456_700n, 8)).to.equal(1_234_567n);
    });

    it("keeps a 6-decimal token as is", function () {
      expect(normalizeAsset(987_654_321n, 6)).to.equal(987_654_321n);
      expect(normalizeLiability(987_654_321n, 6)).to.equal(987_654_321n);
    });

    it("scales tokens with fewer than 6 decimals up exactly", function () {
      expect(normalizeAsset(12_345n, 2)).to.equal(123_450_000n);
      expect(normalizeLiability(12_345n, 2)).to.equal(123_450_000n);
      expect(normalizeAsset(7n, 0)).to.equal(7_000_000n);
      expect(normalizeAmount(3n, 5, "up")).to.equal(30n);
    });

    it("accepts a result of 2^64 - 1 and rejects 2^64, naming the field", function () {
      expect(normalizeAsset(TWO_64 - 1n, 6)).to.equal(TWO_64 - 1n);
      expect(() => normalizeAsset(TWO_64, 6, "clients[2].assets[1]")).to.throw(RangeError, /clients\[2\]\.assets\[1\].*2\^64/);
      // Rounding up can cross the bound: (2^64 - 1) * 10^12 + 1 base units of an 18-decimal token.
      const x = (TWO_64 - 1n) * 10n ** 12n + 1n;
      expect(normalizeAsset(x, 18)).to.equal(TWO_64 - 1n);
      expect(() => normalizeLiability(x, 18)).to.throw(RangeError, /2\^64/);
      expect(() => normalizeAsset(TWO_64 / 10n ** 4n + 1n, 2)).to.throw(RangeError, /2\^64/);
    });

    it("rejects negative amounts and bad decimals", function () {
      expect(() => normalizeAsset(-1n, 18, "x")).to.throw(RangeError, /x is negative/);
      expect(() => normalizeAsset(1n, 6.5)).to.throw(RangeError, /decimals/);
      expect(() => normalizeAsset(1n, -1)).to.throw(RangeError, /decimals/);
    });

    it("normalises a client's books with per-slot decimals and names the bad cell", function () {
      const decimals = Array.from({ length: N_ASSETS }, (_, i) => [18, 8, 6, 2][i % 4]!);
      const raw = { id: "alice", assets: decimals.map((d) => 10n ** BigInt(d) + 1n), liabilities: decimals.map((d) => 10n ** BigInt(d) + 1n) };
      const out = normalizeClient(raw, decimals);
      expect(out.assets.slice(0, 4)).to.deep.equal([1_000_000n, 1_000_000n, 1_000_001n, 1_010_000n]);
      expect(out.liabilities.slice(0, 4)).to.deep.equal([1_000_001n, 1_000_001n, 1_000_001n, 1_010_000n]);
      const bad = { ...raw, liabilities: raw.liabilities.map((x, i) => (i === 9 ? -5n : x)) };
      expect(() => normalizeClient(bad, decimals, "clients[4]")).to.throw(RangeError, /clients\[4\] \(id "alice"\)\.liabilities\[9\] is negative/);
    });

    it("rounds reserves down and bounds them by 2^84", function () {
      const decimals = Array<number>(N_ASSETS).fill(18);
      const reserves = normalizeReserves(Array<bigint>(N_ASSETS).fill(10n ** 18n - 1n), decimals);
      expect(reserves[0]).to.equal(999_999n);
      expect(() => normalizeReserves(Array<bigint>(N_ASSETS).fill((1n << 84n) * 10n ** 12n), decimals)).to.throw(RangeError, /reserves\[0\].*2\^84/);
    });
  });

  describe("reserve weights", function () {
    it("computes wA = floor(P (WAD - h) 1e16 / WAD) and wL = ceil(P (WAD + h) 1e16 / WAD)", function () {
      const prices = [...PRICES];
      const haircuts = [...HAIRCUTS];
      prices[0] = 123_456_789n; // 1.23456789 USD
      haircuts[0] = 333_333_333_333_333_333n; // 1/3
      const w = reserveWeights(prices, haircuts);
      const num = 123_456_789n * 10n ** 16n;
      expect(w.assetWeights[0]).to.equal((num * (WAD - haircuts[0]!)) / WAD);
      expect(w.liabilityWeights[0]).to.equal((num * (WAD + haircuts[0]!)) / WAD + 1n); // not exact: rounds up
      expect(w.assetWeights[1]).to.equal(2n * 10n ** 24n * 98n / 100n);
      expect(w.liabilityWeights[1]).to.equal(2n * 10n ** 24n * 102n / 100n);
    });

    it("stays below 2^110 at the largest price and haircut", function () {
      const w = reserveWeights(Array<bigint>(N_ASSETS).fill(10n ** 16n), Array<bigint>(N_ASSETS).fill(WAD - 1n));
      expect(w.liabilityWeights[0]! < 1n << 110n).to.equal(true);
      expect(() => reserveWeights(Array<bigint>(N_ASSETS).fill(10n ** 16n + 1n), HAIRCUTS)).to.throw(RangeError, /prices\[0\]/);
      expect(() => reserveWeights(PRICES, HAIRCUTS.map((x, i) => (i === 3 ? WAD : x)))).to.throw(RangeError, /haircutsMM\[3\]/);
    });

    it("hashes as Poseidon(2)(weightsHash(wA), weightsHash(wL))", function () {
      const w = reserveWeights(PRICES, HAIRCUTS);
      const group = (v: bigint[]): bigint => h([0, 4, 8, 12].map((i) => h(v.slice(i, i + 4))));
      expect(reserveWeightsHash(h, w.assetWeights, w.liabilityWeights)).to.equal(h([group(w.assetWeights), group(w.liabilityWeights)]));
      expect(weightsHash(h, w.assetWeights)).to.equal(group(w.assetWeights));
    });
  });

  describe("client ids and leaves", function () {
    it("hashes ids off-field: sha256 >> 8, below 2^248, never reduced modulo p", function () {
      let aboveP = 0;
      for (let i = 0; i < 64; i++) {
        const id = `user-${i}`;
        const digest = BigInt(`0x${createHash("sha256").update(id, "utf8").digest("hex")}`);
        if (digest >= P) aboveP++;
        expect(idHash(id)).to.equal(digest >> 8n);
        expect(idHash(id) < 1n << 248n).to.equal(true);
      }
      // Most sha256 digests exceed p: reducing them would make distinct ids collide with probability 1/p
      // per pair only by luck; the shift keeps every id hash a distinct integer below p.
      expect(aboveP).to.be.greaterThan(0);
      expect(idHash("Ünïcödé")).to.equal(BigInt(`0x${createHash("sha256").update(Buffer.from("Ünïcödé", "utf8")).digest("hex")}`) >> 8n);
      expect(idHash("a")).to.not.equal(idHash("a "));
    });

    it("packs the 32 balances three per field element (11 elements)", function () {
      const assets = Array.from({ length: N_ASSETS }, (_, i) => BigInt(i + 1));
      const liabilities = Array.from({ length: N_ASSETS }, (_, i) => BigInt(101 + i));
      const v = [...assets, ...liabilities];
      const packed = packBalances(assets, liabilities);
      expect(packed).to.have.length(11);
      expect(packed[0]).to.equal(v[0]! + (v[1]! << 64n) + (v[2]! << 128n));
      expect(packed[10]).to.equal(v[30]! + (v[31]! << 64n));
      const leaf = { idHash: 77n, salt: 88n, assets, liabilities };
      expect(leafHash(h, leaf)).to.equal(h([77n, 88n, ...packed]));
    });
  });

  describe("the tree", function () {
    /** Full binary tree by recursion, for small depths. */
    const naive = (leaves: bigint[], depth: number): bigint => {
      let row = [...leaves, ...zeros(2 ** depth - leaves.length)];
      while (row.length > 1) row = row.flatMap((_, i) => (i % 2 === 0 ? [h([row[i]!, row[i + 1]!])] : []));
      return row[0]!;
    };

    it("has Z_0 = 0 and Z_{k+1} = Poseidon(Z_k, Z_k)", function () {
      const z = zeroHashes(h);
      expect(z).to.have.length(TREE_DEPTH + 1);
      expect(z[0]).to.equal(0n);
      for (let k = 0; k < TREE_DEPTH; k++) expect(z[k + 1]).to.equal(h([z[k]!, z[k]!]));
    });

    it("matches a full recomputation and verifies every path (depth 5, 0 to 32 leaves)", function () {
      for (const n of [0, 1, 2, 7, 16, 31, 32]) {
        const leaves = Array.from({ length: n }, (_, i) => BigInt(i * 7919 + 13));
        const tree = buildTree(h, leaves, 5);
        expect(tree.root).to.equal(naive(leaves, 5));
        for (let i = 0; i < 32; i++) {
          const { siblings, pathBits } = tree.path(i);
          expect(pathBits).to.deep.equal([0, 1, 2, 3, 4].map((k) => (i >> k) & 1));
          expect(computeRoot(h, tree.leaf(i), i, siblings)).to.equal(tree.root);
        }
      }
    });

    it("verifies a depth-20 path and rejects a tampered sibling, leaf, index or root", function () {
      const leaves = Array.from({ length: 37 }, (_, i) => h([BigInt(i)]));
      const tree = buildTree(h, leaves);
      const { siblings } = tree.path(21);
      expect(siblings).to.have.length(TREE_DEPTH);
      expect(verifyPath(h, leaves[21]!, 21, siblings, tree.root)).to.equal(true);
      for (const k of [0, 5, 19]) {
        const tampered = siblings.map((s, j) => (j === k ? s + 1n : s));
        expect(verifyPath(h, leaves[21]!, 21, tampered, tree.root)).to.equal(false);
      }
      expect(verifyPath(h, leaves[21]! + 1n, 21, siblings, tree.root)).to.equal(false);
      expect(verifyPath(h, leaves[21]!, 20, siblings, tree.root)).to.equal(false);
      expect(verifyPath(h, leaves[21]!, 21 + 2 ** 19, siblings, tree.root)).to.equal(false);
      expect(verifyPath(h, leaves[21]!, 21, siblings.slice(1), tree.root)).to.equal(false);
      expect(verifyPath(h, leaves[21]!, 21, siblings, tree.root + 1n)).to.equal(false);
      expect(verifyPath(h, leaves[21]!, 21, siblings, tree.root + P)).to.equal(false);
    });

    it("gives the same root batch by batch through the frontier as built at once", function () {
      for (const n of [1, 31, 32, 33, 96, 200]) {
        const leaves = Array.from({ length: n }, (_, i) => h([BigInt(n), BigInt(i)]));
        let frontier = genesisState(h, 1n).frontier;
        let root = 0n;
        for (let b = 0; b * BATCH_SIZE < n; b++) {
          const chunk = leaves.slice(b * BATCH_SIZE, (b + 1) * BATCH_SIZE);
          const out = appendSubtree(h, frontier, b, subtreeRoot(h, [...chunk, ...zeros(BATCH_SIZE - chunk.length)]));
          frontier = out.frontier;
          root = out.root;
        }
        expect(root).to.equal(buildTree(h, leaves).root);
      }
      expect(() => appendSubtree(h, zeros(FRONTIER_SIZE), MAX_BATCHES, 0n)).to.throw(RangeError, /batchIndex/);
    });
  });

  describe("packings", function () {
    it("packs periodTag, tagIndex and tagCount", function () {
      const tag = periodTag(CUSTODIAN, 7);
      expect(tag).to.equal((BigInt(CUSTODIAN) << 32n) | 7n);
      expect(packTagIndex(tag, 3)).to.equal(tag * 2n ** 32n + 3n);
      expect(packTagCount(tag, 37)).to.equal(tag * 2n ** 32n + 37n);
      expect(unpackTag(packTagIndex(tag, MAX_BATCHES - 1))).to.deep.equal({ periodTag: tag, low: MAX_BATCHES - 1 });
      expect(() => periodTag("0x1234", 0)).to.throw(RangeError, /address/);
      expect(() => periodTag(CUSTODIAN, 2 ** 32)).to.throw(RangeError, /periodIndex/);
      expect(() => packTagIndex(tag, MAX_BATCHES)).to.throw(RangeError, /batchIndex/);
    });

    it("packs the 16 reserves into 6 elements of 84-bit slots and back", function () {
      const reserves = Array.from({ length: N_ASSETS }, (_, i) => (1n << 84n) - 1n - BigInt(i));
      const packed = packReserves(reserves);
      expect(packed).to.have.length(6);
      expect(packed[0]).to.equal(reserves[0]! + (reserves[1]! << 84n) + (reserves[2]! << 168n));
      expect(packed[5]).to.equal(reserves[15]);
      expect(packed.every((x) => x < P)).to.equal(true);
      expect(unpackReserves(packed)).to.deep.equal(reserves);
      expect(() => packReserves(reserves.map((r, i) => (i === 4 ? 1n << 84n : r)))).to.throw(RangeError, /reserves\[4\]/);
    });
  });

  describe("planPeriod", function () {
    const weights = (): ReturnType<typeof reserveWeights> => reserveWeights(PRICES, HAIRCUTS);
    const plan = (clients: ClientBalances[], extra: object = {}): ReturnType<typeof planPeriod> =>
      planPeriod({ custodian: CUSTODIAN, periodIndex: 2, clients, weights: weights(), h, ...extra });

    it("sorts leaves by idHash, chains the batches and ends at the tree root", function () {
      const clients = Array.from({ length: 69 }, (_, i) => client(i));
      const p = plan(clients);
      expect(p.leaves.map((l) => l.idHash)).to.deep.equal(clients.map((c) => idHash(c.id)).sort((a, b) => (a < b ? -1 : 1)));
      expect(p.batches.map((b) => [b.batchIndex, b.firstLeaf, b.clients])).to.deep.equal([
        [0, 0, 32],
        [1, 32, 32],
        [2, 64, 5],
      ]);
      expect(p.batches[0]!.stateIn).to.equal(stateHash(h, genesisState(h, periodTag(CUSTODIAN, 2))));
      for (let k = 1; k < 3; k++) expect(p.batches[k]!.stateIn).to.equal(p.batches[k - 1]!.stateOut);
      expect(p.root).to.equal(buildTree(h, p.leaves.map((l) => leafHash(h, l))).root);
      expect(p.final.stateFinal).to.equal(p.batches[2]!.stateOut);
      expect(p.sums.assets[3]).to.equal(clients.reduce((acc, c) => acc + c.assets[3]!, 0n));
      expect(p.batches[1]!.publicSignals).to.deep.equal([p.batches[1]!.stateIn, p.batches[1]!.stateOut, p.reserveWeightsHash, packTagIndex(p.periodTag, 1)]);
      expect(p.final.publicSignals).to.have.length(9);
    });

    it("draws a random salt when none is given", function () {
      const a = plan([client(0, { salt: undefined })]);
      const b = plan([client(0, { salt: undefined })]);
      expect(a.leaves[0]!.salt).to.not.equal(b.leaves[0]!.salt);
      expect(a.root).to.not.equal(b.root);
    });

    it("names the client and the field of every invalid input", function () {
      const cases: [ClientBalances[], RegExp][] = [
        [[client(0), client(1, { assets: client(1).assets.map((x, i) => (i === 2 ? -1n : x)) })], /clients\[1\] \(id "client-1"\)\.assets\[2\] is negative/],
        [[client(0, { liabilities: client(0).liabilities.map((x, i) => (i === 15 ? TWO_64 : x)) })], /clients\[0\] \(id "client-0"\)\.liabilities\[15\].*2\^64/],
        [[client(0, { assets: zeros(15) })], /clients\[0\] \(id "client-0"\)\.assets has 15 entries/],
        [[client(0), client(1), client(0, { salt: 5n })], /clients\[2\] \(id "client-0"\) duplicates clients\[0\]/],
        [[client(0, { salt: P })], /clients\[0\] \(id "client-0"\)\.salt/],
        [[client(0, { id: "" })], /clients\[0\]\.id/],
        [[client(3, { liabilities: zeros().map((_, i) => (i === 1 ? 10n ** 12n : 0n)) })], /clients\[0\] \(id "client-3"\) is under maintenance/],
        [[], /clients is empty/],
      ];
      for (const [clients, message] of cases) expect(() => plan(clients)).to.throw(message);
      expect(() => plan([client(0)], { custodian: "bob" })).to.throw(RangeError, /custodian/);
    });

    it("accepts reserves that cover the net balances and names the asset that is short", function () {
      const clients = [client(0), client(1)];
      const p = plan(clients);
      const net = p.sums.assets.map((a, i) => a - p.sums.liabilities[i]!);
      expect(p.final.reserves).to.deep.equal(net.map((x) => (x > 0n ? x : 0n)));
      expect(plan(clients, { reserves: net.map((x) => (x > 0n ? x + 1n : 0n)) }).final.reserves[0]).to.equal(net[0]! + 1n);
      const short = net.map((x, i) => (i === 6 ? x - 1n : x > 0n ? x : 0n));
      expect(() => plan(clients, { reserves: short })).to.throw(RangeError, /reserves\[6\] = \d+ is below the clients' net balance/);
    });
  });

  describe("inclusion proofs", function () {
    let p: ReturnType<typeof planPeriod>;

    before(function () {
      p = planPeriod({ custodian: CUSTODIAN, periodIndex: 2, clients: Array.from({ length: 37 }, (_, i) => client(i)), weights: reserveWeights(PRICES, HAIRCUTS), h });
    });

    it("proves every client's inclusion under the root, and survives a JSON round trip", function () {
      for (let i = 0; i < 37; i++) {
        const proof = inclusionProof(p, `client-${i}`);
        expect(proof.assets).to.deep.equal(client(i).assets);
        expect(verifyInclusion(h, proof, p.root)).to.equal(true);
        const file = JSON.parse(JSON.stringify(inclusionProofToJson(proof))) as unknown;
        expect(inclusionProofFromJson(file)).to.deep.equal(proof);
      }
      expect(() => inclusionProof(p, "nobody")).to.throw(RangeError, /nobody/);
    });

    it("rejects a tampered path, leaf data, index or root, saying why", function () {
      const proof = inclusionProof(p, "client-5");
      const tamper = (change: Partial<typeof proof>): string | undefined => checkInclusion(h, { ...proof, ...change }, p.root);
      expect(tamper({ siblings: proof.siblings.map((s, k) => (k === 7 ? s + 1n : s)) })).to.match(/path/);
      expect(tamper({ assets: proof.assets.map((a, k) => (k === 0 ? a + 1n : a)) })).to.match(/leaf/);
      expect(tamper({ liabilities: proof.liabilities.map((a, k) => (k === 1 ? a - 1n : a)) })).to.match(/leaf/);
      expect(tamper({ liabilities: proof.liabilities.map((a, k) => (k === 1 ? -1n : a)) })).to.match(/liabilities\[1\]/);
      expect(tamper({ salt: proof.salt + 1n })).to.match(/leaf/);
      expect(tamper({ id: "client-6" })).to.match(/idHash/);
      expect(tamper({ index: proof.index ^ 1 })).to.match(/path/);
      expect(tamper({ index: 37 })).to.match(/client count/);
      expect(checkInclusion(h, proof, p.root + 1n)).to.match(/path/);
      expect(verifyInclusion(h, { ...proof, siblings: proof.siblings.map((s, k) => (k === 0 ? s + 1n : s)) })).to.equal(false);
    });

    it("shows a client left out of the tree (its proof fails against the root without it)", function () {
      const clients = Array.from({ length: 37 }, (_, i) => client(i));
      const without = planPeriod({ custodian: CUSTODIAN, periodIndex: 2, clients: clients.filter((_, i) => i !== 9), weights: reserveWeights(PRICES, HAIRCUTS), h });
      expect(without.root).to.not.equal(p.root);
      expect(verifyInclusion(h, inclusionProof(p, "client-9"), without.root)).to.equal(false);
      expect(without.final.tagCount).to.not.equal(p.final.tagCount);
    });
  });
});
