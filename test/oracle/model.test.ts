/**
 * The TypeScript oracle model on its own: integer helpers at their edges and the deployment helpers.
 */
import { expect } from "chai";
import { WAD } from "../../prover/src/constants.js";
import {
  OracleModel,
  annualVolToVariancePerSample,
  confirmsPending,
  decayPerSample,
  defaultRiskConfig,
  engineHorizonSamples,
  isJump,
  isqrt,
  lambdaPerSample,
  leftBand,
  liquidationBonusOf,
  median,
  mulDivUp,
  nextMark,
  normaliseReading,
  rateLimit,
  riskMultiplierOf,
  validateConfig,
  type OracleConfig,
} from "../../prover/src/oracle/index.js";
import { initPoseidon } from "../../prover/src/poseidon.js";
import { placeholderToken } from "../helpers/oracleFixture.js";

const pct = (x: bigint): bigint => (x * WAD) / 100n;

describe("OracleModel", function () {
  describe("#isqrt", function () {
    it("is the floor square root at perfect squares, their neighbours and 2^256 - 1", function () {
      for (const r of [0n, 1n, 2n, 3n, 10n ** 9n, 2n ** 64n - 1n, 2n ** 127n, 2n ** 128n - 1n]) {
        expect(isqrt(r * r)).to.equal(r);
        if (r > 0n) expect(isqrt(r * r - 1n)).to.equal(r - 1n);
        expect(isqrt(r * r + 2n * r)).to.equal(r); // (r + 1)^2 - 1
      }
      expect(isqrt(2n ** 256n - 1n)).to.equal(2n ** 128n - 1n);
    });
  });

  describe("#median", function () {
    it("takes the middle of an odd count and the floored mean of the middle two of an even count", function () {
      expect(median([5n, 1n, 3n])).to.equal(3n);
      expect(median([4n, 1n, 3n, 8n])).to.equal(3n); // (3 + 4) / 2 floored
      expect(median([7n])).to.equal(7n);
    });
  });

  describe("#mulDivUp", function () {
    it("rounds up only when there is a remainder", function () {
      expect(mulDivUp(10n, 3n, 5n)).to.equal(6n);
      expect(mulDivUp(10n, 3n, 7n)).to.equal(5n);
      expect(mulDivUp(0n, 3n, 7n)).to.equal(0n);
    });
  });

  describe("#normaliseReading", function () {
    it("scales any decimals to 8, flooring, and rejects what normalises outside (0, MAX_PRICE]", function () {
      const t = 1000n;
      expect(normaliseReading({ answer: 123_456_789n, updatedAt: t, decimals: 6 }, t, 10n)).to.equal(12_345_678_900n);
      expect(normaliseReading({ answer: 1_999_999_999n, updatedAt: t, decimals: 18 }, t, 10n)).to.equal(undefined);
      expect(normaliseReading({ answer: 12_345_678_999n, updatedAt: t, decimals: 10 }, t, 10n)).to.equal(123_456_789n);
      expect(normaliseReading({ answer: 10n ** 16n, updatedAt: t, decimals: 8 }, t, 10n)).to.equal(10n ** 16n);
      expect(normaliseReading({ answer: 10n ** 16n + 1n, updatedAt: t, decimals: 8 }, t, 10n)).to.equal(undefined);
      expect(normaliseReading({ answer: 5n, updatedAt: t - 10n, decimals: 8 }, t, 10n)).to.equal(5n);
      expect(normaliseReading({ answer: 5n, updatedAt: t - 11n, decimals: 8 }, t, 10n)).to.equal(undefined);
      expect(normaliseReading({ reverts: true }, t, 10n)).to.equal(undefined);
    });
  });

  describe("#rateLimit", function () {
    it("rises by at most the tighten step and falls by at most the loosen step", function () {
      expect(rateLimit(pct(10n), pct(40n), false, pct(10n), pct(1n), pct(1n), pct(60n))).to.equal(pct(20n));
      expect(rateLimit(pct(10n), pct(2n), false, pct(10n), pct(1n), pct(1n), pct(60n))).to.equal(pct(9n));
      expect(rateLimit(pct(10n), pct(9n) + 1n, false, pct(10n), pct(2n), pct(1n), pct(60n))).to.equal(pct(9n) + 1n);
    });

    it("tightens by at least the freeze step while frozen, never falls, and stops at the cap", function () {
      // A lower target does not loosen a frozen haircut: it rises by the freeze step instead.
      expect(rateLimit(pct(10n), pct(2n), true, pct(10n), pct(1n), pct(1n), pct(60n))).to.equal(pct(11n));
      // A higher target still tightens as fast as the tighten step allows.
      expect(rateLimit(pct(10n), pct(15n), true, pct(10n), pct(1n), pct(1n), pct(60n))).to.equal(pct(15n));
      expect(rateLimit(pct(10n), pct(10n) + 1n, true, pct(10n), pct(1n), pct(1n), pct(60n))).to.equal(pct(11n));
      // Never above the cap.
      expect(rateLimit(pct(60n) - 1n, pct(2n), true, pct(10n), pct(1n), pct(1n), pct(60n))).to.equal(pct(60n));
      expect(rateLimit(pct(60n), pct(60n), true, pct(10n), pct(1n), pct(1n), pct(60n))).to.equal(pct(60n));
    });
  });

  describe("#isJump and #confirmsPending", function () {
    it("flags a move beyond jumpBps of the last price either way, and confirms a pending jump inside the band", function () {
      expect(isJump(125n, 100n, 2500n)).to.equal(false);
      expect(isJump(126n, 100n, 2500n)).to.equal(true);
      expect(isJump(75n, 100n, 2500n)).to.equal(false);
      expect(isJump(74n, 100n, 2500n)).to.equal(true);
      expect(isJump(1n, 100_000_000n, 2500n)).to.equal(true); // a 1e-8 print against $1
      expect(confirmsPending(102n, 100n, 200n)).to.equal(true);
      expect(confirmsPending(103n, 100n, 200n)).to.equal(false);
      expect(confirmsPending(98n, 100n, 200n)).to.equal(true);
      expect(confirmsPending(100n, 0n, 200n)).to.equal(false); // nothing pending
    });
  });

  describe("#nextMark", function () {
    it("starts at the first price, then moves by at most the band per sample, smoothed by the EMA", function () {
      expect(nextMark(0n, 123n, 0n, 2500n)).to.equal(123n);
      expect(nextMark(1000n, 1100n, 0n, 2500n)).to.equal(1100n);
      expect(nextMark(1000n, 2000n, 0n, 2500n)).to.equal(1250n); // clamped to +25%
      expect(nextMark(1000n, 1n, 0n, 2500n)).to.equal(750n); // clamped to -25%
      // lambda 1/2: half-way to the clamped median, floored.
      expect(nextMark(1000n, 2000n, WAD / 2n, 2500n)).to.equal(1125n);
      expect(nextMark(1000n, 1001n, WAD / 2n, 2500n)).to.equal(1000n);
    });
  });

  describe("#leftBand", function () {
    it("compares the mark's distance from the reference with leaseBandWad times the band", function () {
      // band 4% x 1.5 = 6%
      expect(leftBand(106n, 100n, pct(4n), (WAD * 3n) / 2n)).to.equal(false);
      expect(leftBand(10_601n, 10_000n, pct(4n), (WAD * 3n) / 2n)).to.equal(true);
      expect(leftBand(9_399n, 10_000n, pct(4n), (WAD * 3n) / 2n)).to.equal(true);
      expect(leftBand(9_400n, 10_000n, pct(4n), (WAD * 3n) / 2n)).to.equal(false);
    });
  });

  describe("#liquidationBonusOf", function () {
    it("keeps (1 + bonus) * (1 - hMM) <= 1 below the cap", function () {
      for (const h of [0n, 1n, pct(2n), pct(9n) + 7n, pct(33n), pct(59n)]) {
        const b = liquidationBonusOf(h, 10n * WAD); // a cap that does not bind
        expect((WAD + b) * (WAD - h) <= WAD * WAD).to.equal(true);
        expect((WAD + b + 1n) * (WAD - h) > WAD * WAD).to.equal(true); // and is the largest such bonus
      }
      expect(liquidationBonusOf(pct(50n), pct(10n))).to.equal(pct(10n));
    });
  });

  describe("deployment helpers", function () {
    it("derives the shortest haircut horizon from the engine: one grid step, the lease grace and two steps for a keeper", function () {
      expect(engineHorizonSamples(3600, 3600)).to.equal(4n);
      expect(engineHorizonSamples(3600, 3601)).to.equal(5n); // rounded up
      expect(engineHorizonSamples(3600, 0)).to.equal(3n);
      expect(engineHorizonSamples(60, 3600)).to.equal(63n);
      // The demo's one-day horizon covers the demo's one-hour grace.
      expect(defaultRiskConfig(3600).horizonSamples >= engineHorizonSamples(3600, 3600)).to.equal(true);
      expect(() => engineHorizonSamples(3600, -1)).to.throw("leaseGraceSeconds");
    });

    it("converts the daily RiskMetrics lambda to the grid, so that a day of samples decays like one daily step", function () {
      const hourly = lambdaPerSample(940_000_000_000_000_000n, 3600);
      expect(Math.abs(Math.pow(Number(hourly) / 1e18, 24) - 0.94)).to.be.below(1e-12);
      expect(lambdaPerSample(940_000_000_000_000_000n, 86_400)).to.equal(940_000_000_000_000_000n);
      expect(() => lambdaPerSample(WAD, 3600)).to.throw("dailyLambdaWad");
    });

    it("converts annual volatility to per-sample variance and half-lives to decays", function () {
      expect(annualVolToVariancePerSample(1, 365 * 86_400)).to.equal(WAD);
      expect(annualVolToVariancePerSample(0.8, 3600)).to.equal(BigInt(Math.round(((0.64 * 3600) / (365 * 86_400)) * 1e18)));
      expect(decayPerSample(7200, 3600)).to.equal(BigInt(Math.round(Math.SQRT1_2 * 1e18)));
    });

    it("gives a default configuration the oracle accepts, with the documented constants", async function () {
      const risk = defaultRiskConfig(3600);
      const config: OracleConfig = {
        risk,
        assets: [{ token: placeholderToken(0), decimals: 18, sources: [placeholderToken(1), placeholderToken(2)], initialVariance: 0n }],
        marketUnderlyings: [0],
      };
      expect(() => validateConfig(config)).not.to.throw();
      expect([risk.horizonSamples, risk.zWad, risk.kWad, risk.haircutFloor, risk.haircutCap, risk.marginFloor, risk.marginCap]).to.deep.equal([
        24n,
        2_330_000_000_000_000_000n,
        WAD,
        pct(5n),
        pct(60n),
        pct(5n),
        pct(50n),
      ]);
      expect([risk.imMultiplier, risk.maxTightenStep, risk.maxLoosenStep, risk.freezeStep, risk.maxBonus]).to.deep.equal([
        pct(150n),
        WAD / 400n,
        WAD / 2000n,
        WAD / 1000n,
        pct(10n),
      ]);
      expect([risk.peakWeight, risk.leaseBandWad, risk.jumpBps, risk.confirmSources, risk.markLambda, risk.markBandBps]).to.deep.equal([
        WAD / 4n,
        WAD,
        2500n,
        3n,
        0n,
        2500n,
      ]);
      // A one-year half-life for the stress peak.
      expect(risk.peakDecay).to.equal(decayPerSample(365 * 86_400, 3600));
      // 2.33 * sqrt(24) = 11.4146222...
      expect(riskMultiplierOf(risk) / 10n ** 12n).to.equal(11_414_622n);
      // An initial variance of 0 starts at the variance floor's haircut, which the default floors at 5%.
      const model = new OracleModel(config, await initPoseidon());
      expect(model.haircuts(0).maintenance).to.equal(pct(5n));
    });

    it("names the field of an invalid configuration", function () {
      const config: OracleConfig = {
        risk: { ...defaultRiskConfig(3600), lambdaSlow: 1n },
        assets: [{ token: placeholderToken(0), decimals: 18, sources: [placeholderToken(1), placeholderToken(2)], initialVariance: 0n }],
        marketUnderlyings: [],
      };
      expect(() => validateConfig(config)).to.throw("risk.lambdaSlow is not in [lambdaFast, WAD)");
    });
  });
});
