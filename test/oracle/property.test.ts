/**
 * Property test: PlimsollOracle and its TypeScript mirror OracleModel agree bit for bit (prices,
 * variances, haircuts, ratios, weights, bonuses, both weight hashes, events) along seeded random price
 * paths with crashes, spikes and misbehaving sources. A failing path reproduces from its seed.
 */
import { expect } from "chai";
import type { ContractTransactionReceipt } from "ethers";
import { network } from "hardhat";
import { MAX_PRICE, WAD } from "../../prover/src/constants.js";
import { weightsHash } from "../../prover/src/encoding.js";
import { OracleModel, defaultRiskConfig, type RiskConfig, type SourceReading } from "../../prover/src/oracle/index.js";
import { initPoseidon, type SyncPoseidon } from "../../prover/src/poseidon.js";
import type { PlimsollOracle } from "../../types/ethers-contracts/index.js";
import { deployOracleFixture, pokeAt, scalePrice, setReadings } from "../helpers/oracleFixture.js";
import { seededRandom } from "../../prover/src/prng.js";

const { ethers, networkHelpers } = await network.create();

const PATHS = 12;
const SAMPLES = 25;

/**
 * Constants that react within a few samples (half of the paths use them): haircuts fall back to the
 * floor between shocks, so both rate limits and both clamps bind often.
 */
const REACTIVE_RISK: RiskConfig = {
  ...defaultRiskConfig(3600),
  lambdaFast: (WAD * 7n) / 10n,
  lambdaSlow: (WAD * 9n) / 10n,
  peakDecay: (WAD * 8n) / 10n,
  kWad: WAD / 4n,
  haircutFloor: WAD / 20n,
  marginFloor: WAD / 25n,
  marginCap: (WAD * 3n) / 10n,
  maxTightenStep: WAD / 20n,
  maxLoosenStep: WAD / 50n,
  imMultiplier: (WAD * 13n) / 10n,
  maxBonus: WAD / 4n, // binds only above hMM = 20%: both branches of the bonus occur
  peakWeight: WAD / 2n,
  freezeStep: WAD / 200n,
  leaseBandWad: WAD / 2n, // half the haircut: the random paths cross it often, so regimes change
  jumpBps: 600n, // 6%: some random moves jump and wait for a second sample or a third source
  markLambda: (WAD * 3n) / 10n, // a smoothed mark ...
  markBandBps: 300n, // ... clamped to 3% a sample: both branches of the clamp occur
  breakerKWad: 2n * WAD, // a 2-sigma breaker: the random paths trip it, and cool off, often
  breakerSamples: 2n,
};


/** A random path generator: true prices per asset and what each source answers about them. */
class PathGenerator {
  private readonly rand: () => number;
  readonly prices: bigint[];

  constructor(
    seed: number,
    initialPrices: readonly bigint[],
    private readonly maxStaleness: bigint,
  ) {
    this.rand = seededRandom(seed);
    this.prices = [...initialPrices];
  }

  private int(n: number): bigint {
    return BigInt(Math.floor(this.rand() * n));
  }

  /** Moves a price: mostly within +-2%, sometimes a crash (-20% to -60%) or a spike (+20% to +150%). */
  private move(p: bigint): bigint {
    const r = this.rand();
    let bps: bigint;
    if (r < 0.07) bps = -2000n - this.int(4000);
    else if (r < 0.13) bps = 2000n + this.int(13_000);
    else bps = this.int(401) - 200n;
    const next = (p * (10_000n + bps)) / 10_000n;
    return next < 100n ? 100n : next > MAX_PRICE ? MAX_PRICE : next;
  }

  /** Grid steps to advance: usually 1, sometimes a few (missed pokes). */
  stepGap(): bigint {
    return this.rand() < 0.15 ? 2n + this.int(3) : 1n;
  }

  /** Offset of the poke within its grid step; leaves room before the step's end for the setup blocks. */
  offset(gridSeconds: bigint): bigint {
    return this.int(Number(gridSeconds) - 200);
  }

  /** Readings of every source at block time `t`, after moving every price. */
  readings(t: bigint, sourceDecimals: readonly (readonly number[])[]): SourceReading[][] {
    return sourceDecimals.map((decimals, i) => {
      this.prices[i] = this.move(this.prices[i]!);
      const blackout = this.rand() < 0.05;
      return decimals.map((d) => (blackout ? { reverts: true as const } : this.reading(this.prices[i]!, d, t)));
    });
  }

  /** One source's answer: usually close to the true price, sometimes stale, early, non-positive, an outlier or down. */
  private reading(p: bigint, d: number, t: bigint): SourceReading {
    const r = this.rand();
    const fresh = this.rand() < 0.1 ? t - this.maxStaleness : t - this.int(Number(this.maxStaleness) + 1);
    const noisy = (p * (100_000n + this.int(601) - 300n)) / 100_000n; // +-0.3%
    const answer = (q: bigint): bigint => scalePrice(q, d) + (d > 8 ? this.int(10 ** (d - 8)) : 0n);
    if (r < 0.04) return { reverts: true };
    if (r < 0.08) return { answer: answer(noisy), updatedAt: t - this.maxStaleness - 1n - this.int(1000), decimals: d };
    if (r < 0.1) return { answer: answer(noisy), updatedAt: t + 1n + this.int(100), decimals: d };
    if (r < 0.13) return { answer: this.rand() < 0.5 ? 0n : -answer(noisy), updatedAt: fresh, decimals: d };
    if (r < 0.18) return { answer: answer(this.rand() < 0.5 ? p / 2n : (p * 8n) / 5n), updatedAt: fresh, decimals: d };
    if (r < 0.2) return { answer: answer(MAX_PRICE + 1n + this.int(1000)), updatedAt: fresh, decimals: d };
    if (r < 0.25) return { answer: answer((p * (10_000n + this.int(601) - 300n)) / 10_000n), updatedAt: fresh, decimals: d }; // +-3%: near the band
    return { answer: answer(noisy), updatedAt: fresh, decimals: d };
  }
}

/** Asserts that every view of `oracle` equals the model's, and that the bonus bound holds. */
async function expectSameState(oracle: PlimsollOracle, model: OracleModel, h: SyncPoseidon): Promise<void> {
  const e = model.currentEpoch;
  expect(await oracle.currentEpoch()).to.equal(e);
  const regime = model.currentRegime;
  expect(await oracle.currentRegime(), "regime").to.equal(regime);
  expect(await oracle.regimeStartedAt(regime), "regime start").to.equal(model.regimeStartedAt(regime));
  expect(await oracle.lastSample()).to.equal(model.lastSample);
  const epoch = await oracle.epoch(e);
  const expected = model.epoch(e);
  expect([epoch.timestamp, epoch.initialWeightsHash, epoch.maintenanceWeightsHash]).to.deep.equal([
    expected.timestamp,
    expected.initialWeightsHash,
    expected.maintenanceWeightsHash,
  ]);

  const [initial, maintenance] = await oracle.weightVectors();
  const vectors = model.weightVectors();
  expect([...initial]).to.deep.equal(vectors.initial);
  expect([...maintenance]).to.deep.equal(vectors.maintenance);
  // The on-chain hash is the shared encoding of the on-chain vector, independently of the model.
  expect(weightsHash(h, [...maintenance])).to.equal(epoch.maintenanceWeightsHash);
  expect(weightsHash(h, [...initial])).to.equal(epoch.initialWeightsHash);
  // The portfolio scenario grid: up weights and their hashes, the on-chain hash again independently of the model.
  const [upInitial, upMaintenance] = await oracle.upWeightVectors();
  const up = model.upWeightVectors();
  expect([...upInitial], "initial up weights").to.deep.equal(up.initial);
  expect([...upMaintenance], "maintenance up weights").to.deep.equal(up.maintenance);
  const [scenarioIM, scenarioMM] = await Promise.all([oracle.currentScenarioParams(false), oracle.currentScenarioParams(true)]);
  const upHashes = model.upHashes();
  expect([...scenarioIM], "initial scenario params").to.deep.equal([e, expected.timestamp, expected.initialWeightsHash, upHashes.initial, regime]);
  expect([...scenarioMM], "maintenance scenario params").to.deep.equal([e, expected.timestamp, expected.maintenanceWeightsHash, upHashes.maintenance, regime]);
  expect(weightsHash(h, [...upMaintenance])).to.equal(scenarioMM[3]);
  expect(weightsHash(h, [...upInitial])).to.equal(scenarioIM[3]);

  for (let i = 0; i < model.assetCount; i++) {
    const [price, vol, haircuts, weights, bonus] = await Promise.all([
      oracle.price(i),
      oracle.volatility(i),
      oracle.haircuts(i),
      oracle.weights(i),
      oracle.liquidationBonus(i),
    ]);
    const v = model.volatility(i);
    const hc = model.haircuts(i);
    const w = model.weights(i);
    expect(price, `price of asset ${i}`).to.equal(model.price(i));
    expect(await oracle.referencePrice(i), `reference price of asset ${i}`).to.equal(model.referencePrice(i));
    expect(await oracle.referenceBand(i), `reference band of asset ${i}`).to.equal(model.referenceBand(i));
    expect(await oracle.pendingPrice(i), `pending jump of asset ${i}`).to.equal(model.pendingPrice(i));
    expect(await oracle.assetMark(i), `mark of asset ${i}`).to.equal(model.assetMark(i));
    const [seizurePrice, , seizureBonus] = await oracle.seizureQuote(i);
    expect([seizurePrice, seizureBonus], `seizure quote of asset ${i}`).to.deep.equal([model.assetMark(i), model.liquidationBonus(i)]);
    expect([...vol], `volatility of asset ${i}`).to.deep.equal([v.varFast, v.varSlow, v.varPeak, v.frozen]);
    expect([...haircuts], `haircuts of asset ${i}`).to.deep.equal([hc.initial, hc.maintenance]);
    expect([...weights], `weights of asset ${i}`).to.deep.equal([w.initial, w.maintenance]);
    expect(bonus, `bonus of asset ${i}`).to.equal(model.liquidationBonus(i));
    const risk = model.riskState(i);
    expect([...(await oracle.riskState(i))], `risk state of asset ${i}`).to.deep.equal([risk.frozen, risk.coolingOff]);
    if (model.assetHalted(i)) expect(w.initial, `initial weight of halted asset ${i}`).to.equal(0n);
    expect((WAD + bonus) * (WAD - hc.maintenance) <= WAD * WAD, `bonus bound of asset ${i}`).to.equal(true);
  }
  for (let j = 0; j < model.marketCount; j++) {
    const [ratios, mark, quote] = await Promise.all([oracle.marketRatios(j), oracle.markPrice(j), oracle.marketQuote(j)]);
    const r = model.marketRatios(j);
    expect([...ratios], `ratios of market ${j}`).to.deep.equal([r.initial, r.maintenance]);
    expect([...quote], `quote of market ${j}`).to.deep.equal([model.markPrice(j), r.initial, r.maintenance, model.marketHalted(j)]);
    expect(await oracle.marketHalted(j), `halted flag of market ${j}`).to.equal(model.marketHalted(j));
    expect(mark, `mark price of market ${j}`).to.equal(model.markPrice(j));
  }
}

/** Asserts the receipt's events are the model's: one PriceFrozen per frozen asset, RegimeChanged when the model's regime moved, then EpochClosed. */
function expectSameEvents(oracle: PlimsollOracle, receipt: ContractTransactionReceipt, model: OracleModel, regimeBefore: bigint): void {
  const logs = receipt.logs.map((l) => oracle.interface.parseLog(l)).filter((l) => l !== null);
  const regimes = logs.filter((l) => l.name === "RegimeChanged").map((l) => [...l.args]);
  const r = model.currentRegime;
  expect(regimes).to.deep.equal(r === regimeBefore ? [] : [[r, model.regimeStartedAt(r)]]);
  const frozen = logs.filter((l) => l.name === "PriceFrozen").map((l) => [Number(l.args[0]), Number(l.args[1])]);
  expect(frozen).to.deep.equal(model.lastFrozen.map((f) => [f.asset, f.validSources]));
  const unconfirmed = logs.filter((l) => l.name === "PriceUnconfirmed").map((l) => [Number(l.args[0]), l.args[1], l.args[2]]);
  expect(unconfirmed, "unconfirmed jumps").to.deep.equal(model.lastUnconfirmed.map((u) => [u.asset, u.price, u.lastPrice]));
  const tripped = logs.filter((l) => l.name === "BreakerTripped").map((l) => Number(l.args[0]));
  expect(tripped, "breaker trips").to.deep.equal(model.lastTripped);
  const closed = logs.filter((l) => l.name === "EpochClosed").map((l) => [...l.args]);
  const e = model.epoch(model.currentEpoch);
  expect(closed).to.deep.equal([[model.currentEpoch, e.timestamp, e.initialWeightsHash, e.maintenanceWeightsHash]]);
}

describe("PlimsollOracle and OracleModel", function () {
  let poseidon: SyncPoseidon;

  before(async function () {
    poseidon = await initPoseidon();
  });

  async function deployDefaultOracle(): ReturnType<typeof deployOracleFixture> {
    return deployOracleFixture(ethers);
  }
  async function deployReactiveOracle(): ReturnType<typeof deployOracleFixture> {
    return deployOracleFixture(ethers, { risk: REACTIVE_RISK });
  }

  describe("#poke", function () {
    for (let seed = 1; seed <= PATHS; seed++) {
      const reactive = seed > PATHS / 2;
      it(`agrees bit for bit with the TypeScript model along random price path ${seed} (${reactive ? "reactive" : "default"} constants)`, async function () {
        const fixture = reactive ? deployReactiveOracle : deployDefaultOracle;
        const { oracle, sources, sourceDecimals, config } = await networkHelpers.loadFixture(fixture);
        const model = new OracleModel(config, poseidon);
        const { gridSeconds, maxStaleness } = config.risk;
        const gen = new PathGenerator(seed, [3000n * 10n ** 8n, 60_000n * 10n ** 8n, 10n ** 8n], maxStaleness);

        let step = BigInt(await networkHelpers.time.latest()) / gridSeconds + 1n;
        let regimesSeen = 0n;
        let tripsSeen = 0;
        let unconfirmedSeen = 0;
        for (let k = 0; k < SAMPLES; k++) {
          step += gen.stepGap();
          const t = step * gridSeconds + gen.offset(gridSeconds);
          const readings = gen.readings(t, sourceDecimals);
          await setReadings(sources, readings);
          const receipt = await pokeAt(oracle, networkHelpers, t);
          const regimeBefore = model.currentRegime;
          expect(model.sample(t, readings), `sample ${k}`).to.equal(true);
          expectSameEvents(oracle, receipt, model, regimeBefore);
          regimesSeen = model.currentRegime;
          tripsSeen += model.lastTripped.length;
          unconfirmedSeen += model.lastUnconfirmed.length;
          await expectSameState(oracle, model, poseidon);
        }
        // The band of the reactive constants (half the haircut) is crossed on every such path: regimes really change.
        if (reactive) expect(regimesSeen, "regimes along the path").to.be.greaterThan(0n);
        // So is the 2-sigma breaker: assets trip, cool off and recover along the path.
        if (reactive) expect(tripsSeen, "breaker trips along the path").to.be.greaterThan(0);
        // And the 6% jump bound: jumps wait for their confirmation along the path.
        if (reactive) expect(unconfirmedSeen, "unconfirmed jumps along the path").to.be.greaterThan(0);
      });
    }
  });
});
