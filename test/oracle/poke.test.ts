/**
 * PlimsollOracle.poke: the grid, the source rules, freezing, the volatility trackers and the rate limits,
 * each shown on hand-picked prices. The random-path agreement with the model is in property.test.ts.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { MAX_PRICE, WAD } from "../../prover/src/constants.js";
import { weightsHash } from "../../prover/src/encoding.js";
import {
  OracleModel,
  defaultRiskConfig,
  initialOf,
  targetRatio,
  type RiskConfig,
  type SourceReading,
} from "../../prover/src/oracle/index.js";
import { initPoseidon, type SyncPoseidon } from "../../prover/src/poseidon.js";
import type { PlimsollOracle } from "../../types/ethers-contracts/index.js";
import {
  OracleDriver,
  deployOracleFixture,
  scalePrice,
  setReadings,
  type OracleFixture,
} from "../helpers/oracleFixture.js";

const { ethers, networkHelpers } = await network.create();

/** A source reading that is an answer (not a revert). */
type Answer = Extract<SourceReading, { answer: bigint }>;

/** USD with 8 decimals. */
const usd = (dollars: bigint, cents = 0n): bigint => dollars * 10n ** 8n + cents * 10n ** 6n;
const ETH = usd(3000n);
const BTC = usd(60_000n);
const USDC = usd(1n);
const CALM = [ETH, BTC, USDC];
/** ETH 2% up from CALM. */
const MOVED = [usd(3060n), BTC, USDC];

const DEFAULT_RISK = defaultRiskConfig(3600);
/** Variances that forget within a few samples and no stress peak: shows the loosening limit. */
/** The rate limits of the first build (10% up, 0.5% down a sample) and a full-weight stress peak: shows each limit in a few samples. */
const FAST_RISK: RiskConfig = { ...DEFAULT_RISK, maxTightenStep: WAD / 10n, maxLoosenStep: WAD / 200n, peakWeight: WAD };
const FORGETFUL_RISK: RiskConfig = { ...FAST_RISK, lambdaFast: WAD / 2n, lambdaSlow: WAD / 2n, peakDecay: 0n };
/** Every source must be valid: each invalid answer shows up as PriceFrozen(asset, 2). */
const STRICT_RISK: RiskConfig = { ...DEFAULT_RISK, minSources: 3n };

async function deployDefaultOracle(): Promise<OracleFixture> {
  return deployOracleFixture(ethers);
}
async function deployFastOracle(): Promise<OracleFixture> {
  return deployOracleFixture(ethers, { risk: FAST_RISK });
}
async function deployForgetfulOracle(): Promise<OracleFixture> {
  return deployOracleFixture(ethers, { risk: FORGETFUL_RISK });
}
async function deployStrictOracle(): Promise<OracleFixture> {
  return deployOracleFixture(ethers, { risk: STRICT_RISK });
}
async function deploySixteenAssetOracle(): Promise<OracleFixture> {
  const decimals = [18, 8, 6, 18];
  return deployOracleFixture(ethers, {
    assets: Array.from({ length: 16 }, (_, i) => ({ decimals: decimals[i % 4]!, sourceDecimals: [8, 18, 6] })),
    marketUnderlyings: [0, 1, 2, 3, 4, 5, 6, 7],
  });
}

/** Every view of the oracle, for "nothing changed" comparisons. */
async function snapshot(oracle: PlimsollOracle): Promise<string> {
  const n = Number(await oracle.assetCount());
  const m = Number(await oracle.marketCount());
  const e = await oracle.currentEpoch();
  const state = {
    e,
    last: await oracle.lastSample(),
    epoch: e > 0n ? [...(await oracle.epoch(e))] : [],
    vectors: e > 0n ? (await oracle.weightVectors()).map((v) => [...v]) : [],
    assets: await Promise.all(
      Array.from({ length: n }, async (_, i) => [
        e > 0n ? await oracle.price(i) : 0n,
        [...(await oracle.volatility(i))],
        [...(await oracle.haircuts(i))],
        await oracle.liquidationBonus(i),
      ]),
    ),
    markets: await Promise.all(Array.from({ length: m }, async (_, j) => [...(await oracle.marketRatios(j))])),
  };
  return JSON.stringify(state, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
}

/** Maintenance haircut of `slot` on-chain. */
async function hMM(oracle: PlimsollOracle, slot: number): Promise<bigint> {
  return (await oracle.haircuts(slot))[1];
}

describe("PlimsollOracle", function () {
  let poseidon: SyncPoseidon;

  before(async function () {
    poseidon = await initPoseidon();
  });

  /** A driver over a fresh copy of `fixture`, mirrored by a model. */
  async function drive(fixture: () => Promise<OracleFixture>): Promise<OracleDriver> {
    const f = await networkHelpers.loadFixture(fixture);
    return OracleDriver.start(f, networkHelpers, new OracleModel(f.config, poseidon));
  }

  describe("#poke", function () {
    describe("sampling grid", function () {
      it("closes epoch 1 stamped with the start of the grid step and emits EpochClosed with the weight hashes", async function () {
        const d = await drive(deployDefaultOracle);
        const { oracle } = d.fixture;
        const t = d.nextTime(1n, 1234n);
        await setReadingsOnly(d, d.freshReadings(CALM, t));
        await networkHelpers.time.setNextBlockTimestamp(t);
        expect(await oracle.poke.staticCall()).to.equal(true);
        d.model!.sample(t, d.freshReadings(CALM, t));
        const e = d.model!.epoch(1n);
        expect(e.timestamp).to.equal(d.step * DEFAULT_RISK.gridSeconds);
        await networkHelpers.time.setNextBlockTimestamp(t);
        await expect(oracle.poke())
          .to.emit(oracle, "EpochClosed")
          .withArgs(1n, e.timestamp, e.initialWeightsHash, e.maintenanceWeightsHash);
        const [initial, maintenance] = await oracle.weightVectors();
        expect(weightsHash(poseidon, [...initial])).to.equal(e.initialWeightsHash);
        expect(weightsHash(poseidon, [...maintenance])).to.equal(e.maintenanceWeightsHash);
        expect(await oracle.lastSample()).to.equal(d.step);
      });

      it("returns false and changes nothing when poked again in the same grid step, by anyone, whatever the sources say", async function () {
        const d = await drive(deployDefaultOracle);
        const { oracle } = d.fixture;
        const t = d.nextTime(1n, 10n);
        await d.pokeWith(d.freshReadings(CALM, t), t);
        const before = await snapshot(oracle);

        const later = t + DEFAULT_RISK.gridSeconds - 20n; // same step, near its end
        await setReadingsOnly(d, d.freshReadings([ETH / 2n, BTC * 2n, USDC], later));
        const [, other] = await ethers.getSigners();
        await networkHelpers.time.setNextBlockTimestamp(later);
        expect(await oracle.connect(other!).poke.staticCall()).to.equal(false);
        await networkHelpers.time.setNextBlockTimestamp(later);
        await expect(oracle.connect(other!).poke()).not.to.emit(oracle, "EpochClosed");
        expect(await snapshot(oracle)).to.equal(before);
      });

      it("gives the same epoch whoever pokes and whenever in the grid step", async function () {
        const outcomes: string[] = [];
        const [first, second] = await ethers.getSigners();
        for (const [signer, offset] of [
          [first!, 0n],
          [second!, DEFAULT_RISK.gridSeconds - 100n],
        ] as const) {
          const d = await drive(deployDefaultOracle);
          const t = d.nextTime(2n, offset);
          const updatedAt = d.step * DEFAULT_RISK.gridSeconds - 60n; // fresh for the whole step
          await setReadingsOnly(d, d.freshReadings(CALM, updatedAt));
          await networkHelpers.time.setNextBlockTimestamp(t);
          await d.fixture.oracle.connect(signer).poke();
          outcomes.push(await snapshot(d.fixture.oracle));
        }
        expect(outcomes[1]).to.equal(outcomes[0]);
      });

      it("closes one epoch after missed grid steps, stamped with its own step", async function () {
        const d = await drive(deployDefaultOracle);
        await d.pokePrices(CALM);
        const t = d.nextTime(5n, 77n);
        await d.pokeWith(d.freshReadings(CALM, t), t);
        const e = await d.fixture.oracle.epoch(2);
        expect(await d.fixture.oracle.currentEpoch()).to.equal(2n);
        expect(e.timestamp).to.equal(d.step * DEFAULT_RISK.gridSeconds);
      });
    });

    describe("price sources", function () {
      it("takes the median of the valid answers, each normalised to 8 decimals with flooring", async function () {
        const d = await drive(deployDefaultOracle);
        const t = d.nextTime();
        const readings = d.freshReadings(CALM, t);
        // Asset 0 has sources with 8, 18 and 6 decimals.
        readings[0] = [
          { answer: 299_950_000_000n, updatedAt: t, decimals: 8 },
          { answer: 3000_123456789987654321n, updatedAt: t, decimals: 18 }, // 3000.12345678|9987... -> 300012345678
          { answer: 3001_000001n, updatedAt: t, decimals: 6 },
        ];
        await d.pokeWith(readings, t);
        expect(await d.fixture.oracle.price(0)).to.equal(300_012_345_678n);
      });

      it("takes the floored mean of the two middle answers when an even number are valid", async function () {
        const d = await drive(deployDefaultOracle);
        const t = d.nextTime();
        const readings = d.freshReadings(CALM, t);
        readings[0] = [
          { answer: 300_000_000_001n, updatedAt: t, decimals: 8 },
          { answer: 3000_000000020000000000n, updatedAt: t, decimals: 18 },
          { reverts: true },
        ];
        await d.pokeWith(readings, t);
        expect(await d.fixture.oracle.price(0)).to.equal(300_000_000_001n); // (..01 + ..02) / 2, floored
      });

      it("drops an answer outside the band around the median and prices from the others", async function () {
        const d = await drive(deployDefaultOracle);
        const t = d.nextTime();
        const readings = d.freshReadings(CALM, t);
        readings[1] = [
          { answer: usd(60_000n), updatedAt: t, decimals: 8 },
          { answer: usd(60_100n), updatedAt: t, decimals: 8 },
          { answer: scalePrice(usd(63_000n), 18), updatedAt: t, decimals: 18 }, // 4.8% above the median 60,100
        ];
        await d.pokeWith(readings, t);
        expect(await d.fixture.oracle.price(1)).to.equal(usd(60_050n));
      });

      const INVALID: [string, (t: bigint, good: Answer) => SourceReading][] = [
        ["a stale answer", (t, g) => ({ ...g, updatedAt: t - DEFAULT_RISK.maxStaleness - 1n })],
        ["an answer updated after the block", (t, g) => ({ ...g, updatedAt: t + 1n })],
        ["a zero answer", (_, g) => ({ ...g, answer: 0n })],
        ["a negative answer", (_, g) => ({ ...g, answer: -g.answer })],
        ["an answer above MAX_PRICE", (_, g) => ({ ...g, answer: (MAX_PRICE + 1n) * 10n ** 10n })],
        ["an answer that normalises to zero", (_, g) => ({ ...g, answer: 10n ** 10n - 1n })],
        ["an answer with absurd decimals", (_, g) => ({ ...g, decimals: 255 })],
        ["a reverting source", () => ({ reverts: true })],
      ];
      for (const [what, make] of INVALID) {
        it(`ignores ${what}`, async function () {
          const d = await drive(deployStrictOracle);
          const t = d.nextTime();
          const readings = d.freshReadings(CALM, t);
          const good = readings[0]![1]! as Answer; // the 18-decimal source
          readings[0]![1] = make(t, good);
          await expect(d.pokeWith(readings, t)).to.emit(d.fixture.oracle, "PriceFrozen").withArgs(0n, 2n);
        });
      }

      it("accepts answers exactly maxStaleness old and exactly MAX_PRICE", async function () {
        const d = await drive(deployStrictOracle);
        const t = d.nextTime();
        const readings = d.freshReadings([MAX_PRICE, BTC, USDC], t - DEFAULT_RISK.maxStaleness);
        const receipt = await d.pokeWith(readings, t);
        expect(receipt.logs.map((l) => d.fixture.oracle.interface.parseLog(l)?.name)).not.to.include("PriceFrozen");
        expect(await d.fixture.oracle.price(0)).to.equal(MAX_PRICE);
      });

      it("ignores a source that exhausts its gas budget, at a bounded cost", async function () {
        const d = await drive(deployDefaultOracle);
        const t = d.nextTime();
        const readings = d.freshReadings(CALM, t);
        await setReadingsOnly(d, readings);
        await d.fixture.sources[0]![0]!.setBurnsGas(true);
        await networkHelpers.time.setNextBlockTimestamp(t);
        const receipt = await (await d.fixture.oracle.poke()).wait();
        console.log("POKEGAS", receipt!.gasUsed);
        // About 720k before the portfolio scenario grid, whose two up-weight hashes add about 340k.
        expect(receipt!.gasUsed < 1_150_000n).to.equal(true);
        expect(await d.fixture.oracle.price(0)).to.equal(ETH);
        expect((await d.fixture.oracle.volatility(0))[3]).to.equal(false);
      });

      it("reverts with InsufficientGas rather than give a source less than its gas budget", async function () {
        const d = await drive(deployDefaultOracle);
        const t = d.nextTime();
        await setReadingsOnly(d, d.freshReadings(CALM, t));
        await networkHelpers.time.setNextBlockTimestamp(t);
        await expect(d.fixture.oracle.poke({ gasLimit: 150_000 })).to.be.revertedWithCustomError(
          d.fixture.oracle,
          "InsufficientGas",
        );
      });
    });

    describe("freezing", function () {
      it("keeps price, volatility and haircuts of an asset with too few valid answers, and emits PriceFrozen", async function () {
        const d = await drive(deployDefaultOracle);
        await d.pokePrices(CALM);
        await d.pokePrices([usd(3100n), BTC, USDC]);
        const before = await Promise.all([d.fixture.oracle.price(0), d.fixture.oracle.volatility(0), d.fixture.oracle.haircuts(0)]);

        const t = d.nextTime();
        const readings = d.freshReadings([usd(2000n), BTC, USDC], t);
        readings[0] = [readings[0]![0]!, { reverts: true }, { ...readings[0]![2]!, updatedAt: 0n }];
        await expect(d.pokeWith(readings, t)).to.emit(d.fixture.oracle, "PriceFrozen").withArgs(0n, 1n);

        const after = await Promise.all([d.fixture.oracle.price(0), d.fixture.oracle.volatility(0), d.fixture.oracle.haircuts(0)]);
        expect(after[0]).to.equal(before[0]);
        expect([...after[1]]).to.deep.equal([...before[1]].slice(0, 3).concat([true]));
        // The haircut does not hold: frozen, it tightens by at least freezeStep (issue 16, section 6).
        const tightened = before[2][1] + DEFAULT_RISK.freezeStep;
        expect([...after[2]]).to.deep.equal([initialOf(tightened, DEFAULT_RISK.imMultiplier), tightened]);
      });

      it("emits PriceFrozen with 0 valid sources and gives zero weights to an asset that was never priced", async function () {
        const d = await drive(deployDefaultOracle);
        const t = d.nextTime();
        const readings = d.freshReadings(CALM, t);
        readings[2] = readings[2]!.map(() => ({ reverts: true }));
        await expect(d.pokeWith(readings, t)).to.emit(d.fixture.oracle, "PriceFrozen").withArgs(2n, 0n);
        expect(await d.fixture.oracle.price(2)).to.equal(0n);
        expect([...(await d.fixture.oracle.weights(2))]).to.deep.equal([0n, 0n]);
        const [, maintenance] = await d.fixture.oracle.weightVectors();
        expect([...maintenance].map((w) => w > 0n)).to.deep.equal([true, true, ...new Array<boolean>(14).fill(false)]);
      });

      it("does not loosen a haircut or its market's margin ratio while the price is frozen: both tighten by freezeStep", async function () {
        const d = await drive(deployForgetfulOracle);
        const { oracle } = d.fixture;
        await d.pokePrices(CALM);
        await d.pokePrices(MOVED); // a 2% move: tightens
        const high = await hMM(oracle, 0);
        await d.pokePrices(MOVED); // calm: loosens
        const loosened = await hMM(oracle, 0);
        expect(loosened).to.equal(high - FORGETFUL_RISK.maxLoosenStep);

        const [, mm] = await oracle.marketRatios(0);
        const step = FORGETFUL_RISK.freezeStep;
        for (let k = 1n; k <= 3n; k++) {
          const t = d.nextTime();
          const readings = d.freshReadings(MOVED, t);
          readings[0] = readings[0]!.map(() => ({ reverts: true }));
          await d.pokeWith(readings, t);
          const m = mm + k * step;
          expect([await hMM(oracle, 0), [...(await oracle.marketRatios(0))]]).to.deep.equal([loosened + k * step, [initialOf(m, FORGETFUL_RISK.imMultiplier), m]]);
        }
        await d.pokePrices(MOVED); // thawed: loosens again
        expect(await hMM(oracle, 0)).to.equal(loosened + 3n * step - FORGETFUL_RISK.maxLoosenStep);
      });

      it("keeps tightening towards a target it had not reached when the price froze", async function () {
        const d = await drive(deployDefaultOracle);
        const { oracle } = d.fixture;
        await d.pokePrices(CALM);
        const start = await hMM(oracle, 0);
        await d.pokePrices([usd(1500n), BTC, USDC]);
        expect(await hMM(oracle, 0)).to.equal(start + DEFAULT_RISK.maxTightenStep);

        const t = d.nextTime();
        const readings = d.freshReadings([usd(1500n), BTC, USDC], t);
        readings[0] = readings[0]!.map(() => ({ reverts: true }));
        await expect(d.pokeWith(readings, t)).to.emit(oracle, "PriceFrozen").withArgs(0n, 0n);
        expect(await hMM(oracle, 0)).to.equal(start + 2n * DEFAULT_RISK.maxTightenStep);
        expect(await oracle.price(0)).to.equal(usd(1500n));
      });
    });

    describe("volatility and rate limits", function () {
      it("sets the first price without touching the volatility", async function () {
        const d = await drive(deployDefaultOracle);
        const before = await d.fixture.oracle.volatility(0);
        await d.pokePrices(CALM);
        expect(await d.fixture.oracle.price(0)).to.equal(ETH);
        expect([...(await d.fixture.oracle.volatility(0))]).to.deep.equal([...before]);
      });

      it("raises the maintenance haircut by at most maxTightenStep per sample after a crash", async function () {
        const d = await drive(deployFastOracle);
        const { oracle } = d.fixture;
        await d.pokePrices(CALM);
        let h = await hMM(oracle, 0);
        const rises: bigint[] = [];
        for (let k = 0; k < 5; k++) {
          await d.pokePrices([usd(1500n), BTC, USDC]);
          const next = await hMM(oracle, 0);
          rises.push(next - h);
          h = next;
        }
        const step = FAST_RISK.maxTightenStep;
        expect(rises.slice(0, 3)).to.deep.equal([step, step, step]);
        expect(rises[3]! > 0n && rises[3]! < step).to.equal(true); // reaches the target
        expect(rises[4]! <= 0n).to.equal(true);
        const [varFast, varSlow, varPeak] = await oracle.volatility(0);
        const v = [varFast, varSlow, (varPeak * FAST_RISK.peakWeight) / WAD, FAST_RISK.varianceFloor].reduce((a, b) => (a > b ? a : b));
        const target = targetRatio(v, await oracle.riskMultiplier(), FAST_RISK.haircutFloor, FAST_RISK.haircutCap);
        expect(h).to.equal(target);
      });

      it("lowers the maintenance haircut by at most maxLoosenStep per sample once calm returns", async function () {
        const d = await drive(deployForgetfulOracle);
        const { oracle } = d.fixture;
        await d.pokePrices(CALM);
        await d.pokePrices(MOVED);
        let h = await hMM(oracle, 0);
        for (let k = 0; k < 5; k++) {
          await d.pokePrices(MOVED);
          const next = await hMM(oracle, 0);
          expect(h - next, `fall in calm sample ${k}`).to.equal(FORGETFUL_RISK.maxLoosenStep);
          h = next;
        }
        const [varFast] = await oracle.volatility(0);
        const target = targetRatio(
          varFast > FORGETFUL_RISK.varianceFloor ? varFast : FORGETFUL_RISK.varianceFloor,
          await oracle.riskMultiplier(),
          FORGETFUL_RISK.haircutFloor,
          FORGETFUL_RISK.haircutCap,
        );
        expect(h > target + FORGETFUL_RISK.maxLoosenStep).to.equal(true); // the limit, not the target, set the pace
      });

      it("remembers stress through the decaying peak: the haircut stays above the fast-EWMA target", async function () {
        const d = await drive(deployFastOracle);
        const { oracle } = d.fixture;
        await d.pokePrices(CALM);
        await d.pokePrices([usd(1500n), BTC, USDC]);
        for (let k = 0; k < 24; k++) await d.pokePrices([usd(1500n), BTC, USDC]);
        const [varFast, varSlow, varPeak] = await oracle.volatility(0);
        expect(varPeak > varFast && varPeak > varSlow).to.equal(true);
        const fastOnly = targetRatio(varFast, await oracle.riskMultiplier(), DEFAULT_RISK.haircutFloor, DEFAULT_RISK.haircutCap);
        expect((await hMM(oracle, 0)) > fastOnly).to.equal(true);
      });

      it("moves a market's margin ratios with its underlying, rate-limited and within the margin bounds", async function () {
        const d = await drive(deployFastOracle);
        const { oracle } = d.fixture;
        await d.pokePrices(CALM);
        let [, mm] = await oracle.marketRatios(0);
        for (let k = 0; k < 6; k++) {
          await d.pokePrices([usd(1000n), BTC, USDC]);
          const [im, next] = await oracle.marketRatios(0);
          expect(next - mm <= FAST_RISK.maxTightenStep && next <= FAST_RISK.marginCap).to.equal(true);
          expect(im).to.equal(initialOf(next, FAST_RISK.imMultiplier));
          mm = next;
        }
        expect(mm).to.equal(DEFAULT_RISK.marginCap);
        expect((await oracle.marketRatios(1))[1] < DEFAULT_RISK.marginCap).to.equal(true); // BTC was calm
        expect(await oracle.markPrice(0)).to.equal(usd(1000n));
        expect(await oracle.markPrice(1)).to.equal(BTC);
      });

      it("matches the model after every sample of these scenarios", async function () {
        const d = await drive(deployDefaultOracle);
        for (const p of [CALM, [usd(1500n), BTC, USDC], [usd(1500n), usd(90_000n), usd(0n, 98n)], CALM]) {
          await d.pokePrices(p);
          const [initial, maintenance] = await d.fixture.oracle.weightVectors();
          const v = d.model!.weightVectors();
          expect([[...initial], [...maintenance]]).to.deep.equal([v.initial, v.maintenance]);
        }
      });
    });

    describe("largest configuration", function () {
      it("samples 16 assets and 8 markets exactly like the model (its gas is in npm run bench's figures)", async function () {
        const d = await drive(deploySixteenAssetOracle);
        const prices = Array.from({ length: 16 }, (_, i) => usd(BigInt(100 * (i + 1))));
        for (const p of [prices, prices.map((x) => (x * 101n) / 100n), prices.map((x) => (x * 80n) / 100n)]) {
          await d.pokePrices(p);
          const [initial, maintenance] = await d.fixture.oracle.weightVectors();
          const v = d.model!.weightVectors();
          expect([[...initial], [...maintenance]]).to.deep.equal([v.initial, v.maintenance]);
          for (let j = 0; j < 8; j++) {
            const r = d.model!.marketRatios(j);
            expect([...(await d.fixture.oracle.marketRatios(j))]).to.deep.equal([r.initial, r.maintenance]);
          }
        }
        expect(await d.fixture.oracle.currentRegime()).to.equal(1n); // the 20% fall starts a regime
      });
    });

    describe("price regimes", function () {
      it("starts in regime 0 with the first prices as references", async function () {
        const d = await drive(deployDefaultOracle);
        await d.pokePrices(CALM);
        const oracle = d.fixture.oracle;
        expect(await oracle.currentRegime()).to.equal(0n);
        expect(await oracle.regimeStartedAt(0n)).to.equal(0n);
        for (let i = 0; i < CALM.length; i++) expect(await oracle.referencePrice(i)).to.equal(CALM[i]);
        await expect(oracle.regimeStartedAt(1n)).to.be.revertedWithCustomError(oracle, "UnknownRegime").withArgs(1n);
      });

      it("keeps the regime while every mark stays within leaseBandWad times its band of its reference, even step by step", async function () {
        const d = await drive(deployDefaultOracle);
        await d.pokePrices(CALM);
        const risk = d.fixture.config.risk;
        // The band is the asset's lowest maintenance haircut since the regime started, times leaseBandWad.
        const band = ((await d.fixture.oracle.referenceBand(0)) * risk.leaseBandWad) / WAD;
        expect(await d.fixture.oracle.referenceBand(0)).to.equal((await d.fixture.oracle.haircuts(0))[1]);
        // Exactly on the band edge, twice in a row: the reference does not drift with the price.
        const edge = CALM.map((p, i) => (i === 0 ? p + (p * band) / WAD : p));
        await expect(d.pokePrices(edge)).not.to.emit(d.fixture.oracle, "RegimeChanged");
        await expect(d.pokePrices(edge)).not.to.emit(d.fixture.oracle, "RegimeChanged");
        expect(await d.fixture.oracle.currentRegime()).to.equal(0n);
        expect(await d.fixture.oracle.referencePrice(0)).to.equal(CALM[0]);
      });

      it("starts a new regime when one price leaves the band, and takes every current price as the new reference", async function () {
        const d = await drive(deployDefaultOracle);
        await d.pokePrices(CALM);
        const band = ((await d.fixture.oracle.referenceBand(1)) * d.fixture.config.risk.leaseBandWad) / WAD;
        const moved = CALM.map((p, i) => (i === 1 ? p - (p * band) / WAD - 1n : p + 1n));
        const t = d.nextTime();
        const step = t / d.fixture.config.risk.gridSeconds;
        await expect(d.pokeWith(d.freshReadings(moved, t), t))
          .to.emit(d.fixture.oracle, "RegimeChanged")
          .withArgs(1n, step * d.fixture.config.risk.gridSeconds);
        const oracle = d.fixture.oracle;
        expect(await oracle.currentRegime()).to.equal(1n);
        expect(await oracle.regimeStartedAt(1n)).to.equal(step * d.fixture.config.risk.gridSeconds);
        for (let i = 0; i < moved.length; i++) expect(await oracle.referencePrice(i)).to.equal(moved[i]);
        const [, , , regime] = await oracle.currentEpochParams(true);
        expect(regime).to.equal(1n);
      });
    });
  });
});

/** Sets the sources without poking (the test pokes itself, e.g. from another signer). */
async function setReadingsOnly(d: OracleDriver, readings: readonly (readonly SourceReading[])[]): Promise<void> {
  await setReadings(d.fixture.sources, readings);
}
