/**
 * The oracle at its limits: a 0-decimal token at MAX_PRICE (the largest weight the oracle can
 * produce, the extreme of the weights-below-2^128 bound the circuits rely on without checking it),
 * proved against with real proofs; a price above MAX_PRICE refused; the WeightOverflow check,
 * reached by writing a price above MAX_PRICE into the oracle's storage (no source can); and a
 * world of 16 assets and 8 markets, deployed, poked and updated once.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { MAX_PRICE, N_ASSETS } from "../../prover/src/constants.js";
import { weightsHash } from "../../prover/src/encoding.js";
import { weightOf } from "../../prover/src/oracle/math.js";
import { initPoseidon } from "../../prover/src/poseidon.js";
import { Prover } from "../../prover/src/prover.js";
import type { DevAssetSpec } from "../../prover/src/devnet.js";
import { createWorld, fund, nextEpoch, seedPool, type World } from "../../scripts/lib/world.js";
import { e6, traderAt, typed } from "../contracts/helpers.js";

const { ethers, networkHelpers } = await network.create();
/** The world's oracle with its full generated type (the deployment's is a slice). */
const oracleOf = (w: World) => w.d.oracle.getAddress().then((a) => ethers.getContractAt("PlimsollOracle", a));
const prover = new Prover();
const h = await initPoseidon();
const WAD = 10n ** 18n;

const ZERO_DECIMALS = 1; // slot of the 0-decimal token
const ASSETS: DevAssetSpec[] = [
  { symbol: "USDC", decimals: 6, price: 1_00000000n, annualVol: 0.05 },
  { symbol: "ZERO", decimals: 0, price: MAX_PRICE, annualVol: 0.5 },
];

async function extremeWorld(): Promise<{ w: World; prices: bigint[] }> {
  const w = await createWorld(ethers, { prover, assets: ASSETS, markets: [{ symbol: "ZERO-PERP", underlying: ZERO_DECIMALS }] });
  return { w, prices: [...w.prices] };
}

async function loadExtreme(): Promise<World> {
  const { w, prices } = await networkHelpers.loadFixture(extremeWorld);
  w.prices.splice(0, w.prices.length, ...prices);
  return w;
}

describe("PlimsollOracle limits", function () {
  after(async function () {
    await prover.close();
  });

  describe("poke gas", function () {
    it("pokes the demo world (3 assets x 3 sources, 2 markets) as npm run bench does, and prints the median gas", async function () {
      const w = await createWorld(ethers, { prover });
      const gas: bigint[] = [];
      for (let i = 0; i < 3; i++) {
        const before = BigInt(await w.d.oracle.currentEpoch());
        // As in scripts/bench.ts: ETH moves $10 a sample, the other prices are unchanged.
        await nextEpoch(w, new Map([[1, 3_000_00000000n + BigInt(i) * 10_00000000n]]));
        expect(BigInt(await w.d.oracle.currentEpoch())).to.equal(before + 1n);
        const receipt = await ethers.provider.getTransactionReceipt((await ethers.provider.getBlock("latest"))!.transactions.at(-1)!);
        gas.push(receipt!.gasUsed);
      }
      const median = [...gas].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))[1]!;
      console.log(`      poke gas, 3 assets x 3 sources, 2 markets (median of 3, as npm run bench): ${median.toLocaleString("en-US")}`);
      // Portfolio margin's up-weight hashes added about 339k (test/oracle/poke.test.ts has the same bound).
      expect(median < 1_150_000n).to.equal(true);
    });
  });

  describe("a 0-decimal token at MAX_PRICE", function () {
    it("prices it at MAX_PRICE with weights equal to the TypeScript model, below 2^127, hashed into the epoch", async function () {
      const w = await loadExtreme();
      expect(await (await oracleOf(w)).price(ZERO_DECIMALS)).to.equal(MAX_PRICE);
      const [hIM, hMM] = await (await oracleOf(w)).haircuts(ZERO_DECIMALS);
      const [wIM, wMM] = await (await oracleOf(w)).weights(ZERO_DECIMALS);
      expect(wIM).to.equal(weightOf(MAX_PRICE, hIM, 0));
      expect(wMM).to.equal(weightOf(MAX_PRICE, hMM, 0));
      // The largest weight any slot can have: MAX_PRICE * 10^22 (haircut 0, 0 decimals) = 1e38 < 2^127.
      expect(MAX_PRICE * 10n ** 22n < 1n << 127n).to.equal(true);
      expect(wMM <= MAX_PRICE * 10n ** 22n).to.equal(true);
      const [initial, maintenance] = await (await oracleOf(w)).weightVectors();
      for (const [maint, vector] of [[false, initial], [true, maintenance]] as const) {
        const [, , hash] = await (await oracleOf(w)).currentEpochParams(maint);
        expect(hash).to.equal(weightsHash(h, [...vector].map(BigInt)));
      }
    });

    it("proves against it: a deposit of 2^96 - 1 units and a trade at initial margin, with real proofs", async function () {
      const w = await loadExtreme();
      const [, lp, alice] = await ethers.getSigners();
      await seedPool(w, lp!, 1_000_000n * e6);
      const amount = (1n << 96n) - 1n;
      await fund(w, alice!, new Map([[ZERO_DECIMALS, amount]]));
      const t = await traderAt(w, alice!);
      await t.deposit(ZERO_DECIMALS, amount);
      await t.trade(0, 10n ** 15n); // a 0.001-token position: its requirement is far below the basket's value
      expect((await typed(w).engine.positionOf(await alice!.getAddress(), 0)).size).to.equal(10n ** 15n);
      expect(await typed(w).engine.commitmentOf(await alice!.getAddress())).to.not.equal(await typed(w).engine.emptyCommitment(await alice!.getAddress()));
    });

    it("refuses a source answer above MAX_PRICE: the price stays at MAX_PRICE", async function () {
      const w = await loadExtreme();
      await nextEpoch(w, new Map([[ZERO_DECIMALS, MAX_PRICE + 1n]]));
      expect(await (await oracleOf(w)).price(ZERO_DECIMALS)).to.equal(MAX_PRICE);
    });
  });

  describe("WeightOverflow", function () {
    /**
     * Writes `price` as the asset's price (the low 64 bits of its first state slot: price, then the variances)
     * and as its mark (bits 128-191 of its second slot: hMM, hIM, mark, refPrice), which the weights use.
     */
    async function forcePrice(w: World, slot: number, price: bigint): Promise<void> {
      // Storage: slot 0 holds lastSample, currentEpoch, the epoch timestamp and currentRegime; slots 1 and 2
      // the up weights' hashes (portfolio margin); then AssetState[16] at three slots each.
      const at = 3 + 3 * slot;
      const oracle = await w.d.oracle.getAddress();
      const mask = (1n << 64n) - 1n;
      const word = BigInt(await ethers.provider.getStorage(oracle, at));
      expect(word & mask, "the storage layout is the one assumed: the low 64 bits hold the price").to.equal(BigInt(await (await oracleOf(w)).price(slot)));
      await networkHelpers.setStorageAt(oracle, at, (word & ~mask) | price);
      const second = BigInt(await ethers.provider.getStorage(oracle, at + 1));
      expect((second >> 128n) & mask, "the storage layout is the one assumed: bits 128-191 of the second slot hold the mark").to.equal(
        BigInt(await (await oracleOf(w)).assetMark(slot)),
      );
      await networkHelpers.setStorageAt(oracle, at + 1, (second & ~(mask << 128n)) | (price << 128n));
      expect(await (await oracleOf(w)).price(slot)).to.equal(price);
      expect(await (await oracleOf(w)).assetMark(slot)).to.equal(price);
    }

    it("reverts WeightOverflow with the slot and the weight when a 0-decimal price reaches 2^64 - 1 (above MAX_PRICE)", async function () {
      const w = await loadExtreme();
      const big = (1n << 64n) - 1n;
      await forcePrice(w, ZERO_DECIMALS, big);
      const [, hMM] = await (await oracleOf(w)).haircuts(ZERO_DECIMALS);
      const scale = 10n ** 22n;
      const overflows = (x: bigint): boolean => x >> 128n !== 0n;
      const expectedMM = (big * (WAD - hMM) * scale) / WAD;
      expect(overflows(expectedMM)).to.equal(true);
      await expect((await oracleOf(w)).weights(ZERO_DECIMALS))
        .to.be.revertedWithCustomError(w.d.oracle, "WeightOverflow")
        .withArgs(ZERO_DECIMALS, overflows);
      await expect((await oracleOf(w)).weightVectors()).to.be.revertedWithCustomError(w.d.oracle, "WeightOverflow").withArgs(ZERO_DECIMALS, overflows);
    });

    it("reverts WeightOverflow from upWeightVectors at a 0-decimal price whose down weights fit 128 bits and whose up weight does not", async function () {
      const w = await loadExtreme();
      const [hIM, hMM] = await (await oracleOf(w)).haircuts(ZERO_DECIMALS);
      const scale = 10n ** 22n;
      // The least price whose maintenance up weight p * (WAD + hMM) * scale / WAD reaches 2^128.
      const p = ((1n << 128n) * WAD + (WAD + hMM) * scale - 1n) / ((WAD + hMM) * scale);
      await forcePrice(w, ZERO_DECIMALS, p);
      const [wIM, wMM] = await (await oracleOf(w)).weights(ZERO_DECIMALS);
      expect(wMM).to.equal((p * (WAD - hMM) * scale) / WAD);
      expect(wMM >> 128n, "the down weights fit").to.equal(0n);
      expect(wIM).to.be.at.most(wMM);
      expect(((p * (WAD + hMM) * scale) / WAD) >> 128n, "the up weight does not").to.not.equal(0n);
      expect(hIM).to.be.at.least(hMM);
      await expect((await oracleOf(w)).upWeightVectors())
        .to.be.revertedWithCustomError(w.d.oracle, "WeightOverflow")
        .withArgs(ZERO_DECIMALS, (x: bigint) => x >> 128n !== 0n);
    });

    it("does not overflow at the same price 2^64 - 1 for a 6-decimal token: the bound is the weight's 128 bits, not the price", async function () {
      const w = await loadExtreme();
      // w = floor(p * (WAD - h) * 10^(22 - decimals) / WAD): at 6 decimals (scale 10^16) the price
      // 2^64 - 1 gives about 1.8e35, below 2^128.
      const [, hMM] = await (await oracleOf(w)).haircuts(0);
      await forcePrice(w, 0, (1n << 64n) - 1n);
      const [, wMM] = await (await oracleOf(w)).weights(0);
      expect(wMM).to.equal(((((1n << 64n) - 1n) * (WAD - hMM)) * 10n ** 16n) / WAD);
    });
  });

  describe("a 16-asset, 8-market world", function () {
    const assets: DevAssetSpec[] = Array.from({ length: N_ASSETS }, (_, i) => ({
      symbol: i === 0 ? "USDC" : `A${i}`,
      decimals: i === 0 ? 6 : [18, 8, 6, 0][i % 4]!,
      price: i === 0 ? 1_00000000n : BigInt(i) * 10_00000000n,
      annualVol: i === 0 ? 0.05 : 0.3 + i / 100,
    }));
    const markets = Array.from({ length: 8 }, (_, j) => ({ symbol: `P${j}`, underlying: j + 1 }));

    it("deploys, pokes with every weight and ratio set, and takes a real deposit in slot 15 and a trade in market 7", async function () {
      const w = await createWorld(ethers, { prover, assets, markets });
      expect(await (await oracleOf(w)).assetCount()).to.equal(16n);
      expect(await (await oracleOf(w)).marketCount()).to.equal(8n);
      expect(await typed(w).engine.marketCount()).to.equal(8n);
      const [initial, maintenance] = await (await oracleOf(w)).weightVectors();
      for (let i = 0; i < N_ASSETS; i++) {
        const [hIM, hMM] = await (await oracleOf(w)).haircuts(i);
        expect(initial[i], `initial weight ${i}`).to.equal(weightOf(assets[i]!.price, hIM, assets[i]!.decimals));
        expect(maintenance[i], `maintenance weight ${i}`).to.equal(weightOf(assets[i]!.price, hMM, assets[i]!.decimals));
      }
      for (let j = 0; j < 8; j++) expect(await (await oracleOf(w)).markPrice(j), `mark ${j}`).to.equal(assets[j + 1]!.price);
      // A second poke (every source fresh): its gas, for the README's 16-asset figure.
      const t0 = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
      await nextEpoch(w);
      const receipt = await ethers.provider.getTransactionReceipt((await ethers.provider.getBlock("latest"))!.transactions.at(-1)!);
      console.log(`      poke gas, 16 assets x 3 sources, 8 markets (unchanged prices): ${receipt!.gasUsed.toLocaleString("en-US")}`);
      expect(BigInt((await ethers.provider.getBlock("latest"))!.timestamp) > t0).to.equal(true);

      const [, lp, alice] = await ethers.getSigners();
      await seedPool(w, lp!, 1_000_000n * e6);
      const amount = 10n ** BigInt(assets[15]!.decimals) * 1_000n;
      await fund(w, alice!, new Map([[15, amount]]));
      const t = await traderAt(w, alice!);
      await t.deposit(15, amount);
      await t.trade(7, 10n ** 17n);
      expect((await typed(w).engine.positionOf(await alice!.getAddress(), 7)).size).to.equal(10n ** 17n);
    });
  });
});
