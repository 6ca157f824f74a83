/**
 * PlimsollOracle construction and read-only surface: every constructor check by name, the initial state,
 * the views' index and epoch checks, and the absence of any state-changing function but `poke`.
 */
import { expect } from "chai";
import { FunctionFragment } from "ethers";
import { network } from "hardhat";
import { WAD } from "../../prover/src/constants.js";
import {
  ORACLE_LIMITS,
  OracleModel,
  riskMultiplierOf,
  validateConfig,
  type OracleConfig,
  type RiskConfig,
} from "../../prover/src/oracle/index.js";
import { initPoseidon } from "../../prover/src/poseidon.js";
import { deployOracleFixture, oracleConstructorArgs, placeholderToken } from "../helpers/oracleFixture.js";

const { ethers, networkHelpers } = await network.create();

async function deployDefaultOracle(): ReturnType<typeof deployOracleFixture> {
  return deployOracleFixture(ethers);
}

/** A bad configuration, the error the constructor throws for it, and the field the model names. */
interface Rejection {
  what: string;
  change: (c: OracleConfig) => OracleConfig;
  error: "InvalidConfig" | "InvalidAsset" | "InvalidMarket";
  args: unknown[];
  /** Substring of the model's `validateConfig` message, or undefined when the check needs code on-chain. */
  modelField?: string;
}

const withRisk =
  (patch: Partial<RiskConfig>) =>
  (c: OracleConfig): OracleConfig => ({ ...c, risk: { ...c.risk, ...patch } });

const withAsset =
  (i: number, patch: Partial<OracleConfig["assets"][number]>) =>
  (c: OracleConfig): OracleConfig => ({ ...c, assets: c.assets.map((a, k) => (k === i ? { ...a, ...patch } : a)) });

const config = (reason: string, patch: Partial<RiskConfig>, field: string): Rejection => ({
  what: `a risk config with ${Object.entries(patch).map(([k, v]) => `${k} = ${String(v)}`).join(", ")}`,
  change: withRisk(patch),
  error: "InvalidConfig",
  args: [reason],
  modelField: field,
});

const REJECTIONS: Rejection[] = [
  config("gridSeconds is zero", { gridSeconds: 0n }, "risk.gridSeconds"),
  config("maxStaleness is zero", { maxStaleness: 0n }, "risk.maxStaleness"),
  config("maxDeviationBps not in (0, 10000]", { maxDeviationBps: 0n }, "risk.maxDeviationBps"),
  config("maxDeviationBps not in (0, 10000]", { maxDeviationBps: 10_001n }, "risk.maxDeviationBps"),
  config("minSources not in [1, 5]", { minSources: 0n }, "risk.minSources"),
  config("minSources not in [1, 5]", { minSources: 6n }, "risk.minSources"),
  config("lambdaFast not in (0, WAD)", { lambdaFast: 0n }, "risk.lambdaFast"),
  config("lambdaFast not in (0, WAD)", { lambdaFast: WAD, lambdaSlow: WAD }, "risk.lambdaFast"),
  config("lambdaSlow not in [lambdaFast, WAD)", { lambdaFast: WAD / 2n, lambdaSlow: WAD / 2n - 1n }, "risk.lambdaSlow"),
  config("lambdaSlow not in [lambdaFast, WAD)", { lambdaSlow: WAD }, "risk.lambdaSlow"),
  config("peakDecay not below WAD", { peakDecay: WAD }, "risk.peakDecay"),
  config("varianceFloor above MAX_VARIANCE", { varianceFloor: ORACLE_LIMITS.MAX_VARIANCE + 1n }, "risk.varianceFloor"),
  config("kWad is zero", { kWad: 0n }, "risk.kWad"),
  config("zWad is zero", { zWad: 0n }, "risk.zWad"),
  config("horizonSamples is zero", { horizonSamples: 0n }, "risk.horizonSamples"),
  config("haircut bounds not floor <= cap < WAD", { haircutFloor: WAD / 2n, haircutCap: WAD / 2n - 1n }, "risk.haircutFloor/haircutCap"),
  config("haircut bounds not floor <= cap < WAD", { haircutCap: WAD }, "risk.haircutFloor/haircutCap"),
  config("margin bounds not 0 < floor <= cap <= WAD", { marginFloor: 0n }, "risk.marginFloor/marginCap"),
  config("margin bounds not 0 < floor <= cap <= WAD", { marginFloor: WAD / 2n, marginCap: WAD / 2n - 1n }, "risk.marginFloor/marginCap"),
  config("margin bounds not 0 < floor <= cap <= WAD", { marginCap: WAD + 1n }, "risk.marginFloor/marginCap"),
  config("imMultiplier below WAD", { imMultiplier: WAD - 1n }, "risk.imMultiplier"),
  config("maxTightenStep is zero", { maxTightenStep: 0n, maxLoosenStep: 0n }, "risk.maxTightenStep"),
  config("maxLoosenStep above maxTightenStep", { maxTightenStep: WAD / 100n, maxLoosenStep: WAD / 100n + 1n }, "risk.maxLoosenStep"),
  config("maxBonus above WAD", { maxBonus: WAD + 1n }, "risk.maxBonus"),
  config("peakWeight not in (0, WAD]", { peakWeight: 0n }, "risk.peakWeight"),
  config("peakWeight not in (0, WAD]", { peakWeight: WAD + 1n }, "risk.peakWeight"),
  config("freezeStep not in (0, maxTightenStep]", { freezeStep: 0n }, "risk.freezeStep"),
  config("freezeStep not in (0, maxTightenStep]", { maxTightenStep: WAD / 100n, maxLoosenStep: 0n, freezeStep: WAD / 100n + 1n }, "risk.freezeStep"),
  config("leaseBandWad is zero", { leaseBandWad: 0n }, "risk.leaseBandWad"),
  config("jumpBps is zero", { jumpBps: 0n }, "risk.jumpBps"),
  config("confirmSources not in [minSources, 5]", { minSources: 2n, confirmSources: 1n }, "risk.confirmSources"),
  config("confirmSources not in [minSources, 5]", { confirmSources: 6n }, "risk.confirmSources"),
  config("markLambda not below WAD", { markLambda: WAD }, "risk.markLambda"),
  config("markBandBps not in (0, 10000)", { markBandBps: 0n }, "risk.markBandBps"),
  config("markBandBps not in (0, 10000)", { markBandBps: 10_000n }, "risk.markBandBps"),
  config("breakerKWad is zero", { breakerKWad: 0n }, "risk.breakerKWad"),
  config("breakerSamples is zero", { breakerSamples: 0n }, "risk.breakerSamples"),
  {
    what: "an empty asset list",
    change: (c) => ({ ...c, assets: [], marketUnderlyings: [] }),
    error: "InvalidConfig",
    args: ["asset count not in [1, 16]"],
    modelField: "assets",
  },
  {
    what: "more than 16 assets",
    change: (c) => ({
      ...c,
      assets: Array.from({ length: 17 }, (_, i) => ({ ...c.assets[0]!, token: placeholderToken(i) })),
    }),
    error: "InvalidConfig",
    args: ["asset count not in [1, 16]"],
    modelField: "assets",
  },
  {
    what: "more than 8 markets",
    change: (c) => ({ ...c, marketUnderlyings: new Array<number>(9).fill(0) }),
    error: "InvalidConfig",
    args: ["market count above 8"],
    modelField: "marketUnderlyings",
  },
  {
    what: "a zero token",
    change: withAsset(1, { token: ethers.ZeroAddress }),
    error: "InvalidAsset",
    args: [1, "token is zero"],
    modelField: "assets[1].token",
  },
  {
    what: "a token in two slots",
    change: (c) => withAsset(2, { token: c.assets[0]!.token })(c),
    error: "InvalidAsset",
    args: [2, "duplicate token"],
    modelField: "assets[2].token",
  },
  {
    what: "a token with more than 18 decimals",
    change: withAsset(0, { decimals: 19 }),
    error: "InvalidAsset",
    args: [0, "decimals above 18"],
    modelField: "assets[0].decimals",
  },
  {
    what: "an asset without sources",
    change: withAsset(1, { sources: [] }),
    error: "InvalidAsset",
    args: [1, "source count not in [1, 5]"],
    modelField: "assets[1].sources",
  },
  {
    what: "an asset with more than 5 sources",
    change: (c) => withAsset(0, { sources: [...c.assets[0]!.sources, ...c.assets[1]!.sources] })(c),
    error: "InvalidAsset",
    args: [0, "source count not in [1, 5]"],
    modelField: "assets[0].sources",
  },
  {
    what: "an asset with fewer sources than minSources",
    change: (c) => withAsset(2, { sources: c.assets[2]!.sources.slice(0, 1) })(c),
    error: "InvalidAsset",
    args: [2, "fewer sources than minSources"],
    modelField: "assets[2].sources",
  },
  {
    what: "a source without code",
    change: (c) => withAsset(1, { sources: [c.assets[1]!.sources[0]!, placeholderToken(99)] })(c),
    error: "InvalidAsset",
    args: [1, "source has no code"],
  },
  {
    what: "a source listed twice for one asset",
    change: (c) => withAsset(0, { sources: [c.assets[0]!.sources[0]!, c.assets[0]!.sources[0]!] })(c),
    error: "InvalidAsset",
    args: [0, "duplicate source"],
    modelField: "assets[0].sources",
  },
  {
    what: "an initial variance above MAX_VARIANCE",
    change: withAsset(2, { initialVariance: ORACLE_LIMITS.MAX_VARIANCE + 1n }),
    error: "InvalidAsset",
    args: [2, "initialVariance above MAX_VARIANCE"],
    modelField: "assets[2].initialVariance",
  },
  {
    what: "a market whose underlying is not an asset slot",
    change: (c) => ({ ...c, marketUnderlyings: [0, 3] }),
    error: "InvalidMarket",
    args: [1, "underlying is not an asset slot"],
    modelField: "marketUnderlyings[1]",
  },
];

describe("PlimsollOracle", function () {
  describe("#constructor", function () {
    for (const r of REJECTIONS) {
      it(`rejects ${r.what} with ${r.error}`, async function () {
        const { hasher, config } = await networkHelpers.loadFixture(deployDefaultOracle);
        const bad = r.change(config);
        const factory = await ethers.getContractFactory("PlimsollOracle");
        await expect(factory.deploy(...oracleConstructorArgs(await hasher.getAddress(), bad)))
          .to.be.revertedWithCustomError(factory, r.error)
          .withArgs(...r.args);
        if (r.modelField !== undefined) expect(() => validateConfig(bad)).to.throw(r.modelField);
      });
    }

    it("rejects a hasher without code", async function () {
      const { config } = await networkHelpers.loadFixture(deployDefaultOracle);
      const factory = await ethers.getContractFactory("PlimsollOracle");
      await expect(factory.deploy(...oracleConstructorArgs(placeholderToken(98), config)))
        .to.be.revertedWithCustomError(factory, "InvalidConfig")
        .withArgs("hasher has no code");
    });

    it("accepts the default configuration in the model too", async function () {
      const { config } = await networkHelpers.loadFixture(deployDefaultOracle);
      expect(() => validateConfig(config)).not.to.throw();
    });

    it("fixes every risk constant and the risk multiplier k * z * sqrt(horizon)", async function () {
      const { oracle, config } = await networkHelpers.loadFixture(deployDefaultOracle);
      const keys = Object.keys(config.risk) as (keyof RiskConfig)[];
      for (const key of keys) expect(await oracle[key](), key).to.equal(config.risk[key]);
      expect(await oracle.riskMultiplier()).to.equal(riskMultiplierOf(config.risk));
    });

    it("stores the assets, their sources and the markets", async function () {
      const { oracle, config, hasher } = await networkHelpers.loadFixture(deployDefaultOracle);
      expect(await oracle.hasher()).to.equal(await hasher.getAddress());
      expect(await oracle.assetCount()).to.equal(BigInt(config.assets.length));
      expect(await oracle.marketCount()).to.equal(BigInt(config.marketUnderlyings.length));
      for (const [i, a] of config.assets.entries()) {
        expect([...(await oracle.asset(i))]).to.deep.equal([a.token, BigInt(a.decimals)]);
        expect([...(await oracle.sources(i))]).to.deep.equal(a.sources);
      }
      for (const [j, u] of config.marketUnderlyings.entries()) expect(await oracle.marketUnderlying(j)).to.equal(BigInt(u));
    });

    it("starts every asset and market at its rate-limit-free target, with no price and no epoch", async function () {
      const { oracle, config } = await networkHelpers.loadFixture(deployDefaultOracle);
      const model = new OracleModel(config, await initPoseidon());
      expect(await oracle.currentEpoch()).to.equal(0n);
      expect(await oracle.lastSample()).to.equal(0n);
      for (const [i, a] of config.assets.entries()) {
        const h = model.haircuts(i);
        expect([...(await oracle.haircuts(i))]).to.deep.equal([h.initial, h.maintenance]);
        expect(h.initial > h.maintenance && h.maintenance >= config.risk.haircutFloor).to.equal(true);
        const v = a.initialVariance;
        expect([...(await oracle.volatility(i))]).to.deep.equal([v, v, v, false]);
        expect(await oracle.liquidationBonus(i)).to.equal(model.liquidationBonus(i));
      }
      for (let j = 0; j < config.marketUnderlyings.length; j++) {
        const r = model.marketRatios(j);
        expect([...(await oracle.marketRatios(j))]).to.deep.equal([r.initial, r.maintenance]);
      }
    });
  });

  describe("#views", function () {
    it("revert with NoEpoch where a closed epoch is needed and none exists", async function () {
      const { oracle } = await networkHelpers.loadFixture(deployDefaultOracle);
      await expect(oracle.price(0)).to.be.revertedWithCustomError(oracle, "NoEpoch");
      await expect(oracle.markPrice(0)).to.be.revertedWithCustomError(oracle, "NoEpoch");
      await expect(oracle.weights(0)).to.be.revertedWithCustomError(oracle, "NoEpoch");
      await expect(oracle.weightVectors()).to.be.revertedWithCustomError(oracle, "NoEpoch");
      // The views the engine reads an epoch's public inputs from: without the check they would answer
      // epoch 0 with empty hashes (mutation survivors PlimsollOracle:492 and :509).
      for (const maintenance of [false, true]) {
        await expect(oracle.currentEpochParams(maintenance)).to.be.revertedWithCustomError(oracle, "NoEpoch");
        await expect(oracle.currentScenarioParams(maintenance)).to.be.revertedWithCustomError(oracle, "NoEpoch");
      }
      await expect(oracle.upWeightVectors()).to.be.revertedWithCustomError(oracle, "NoEpoch");
      await expect(oracle.assetMark(0)).to.be.revertedWithCustomError(oracle, "NoEpoch");
      await expect(oracle.seizureQuote(0)).to.be.revertedWithCustomError(oracle, "NoEpoch");
    });

    it("revert with UnknownEpoch for epoch 0 and epochs not closed yet", async function () {
      const { oracle } = await networkHelpers.loadFixture(deployDefaultOracle);
      await expect(oracle.epoch(0)).to.be.revertedWithCustomError(oracle, "UnknownEpoch").withArgs(0);
      await expect(oracle.epoch(1)).to.be.revertedWithCustomError(oracle, "UnknownEpoch").withArgs(1);
    });

    it("revert with UnknownAsset and UnknownMarket past the last slot", async function () {
      const { oracle } = await networkHelpers.loadFixture(deployDefaultOracle);
      for (const view of ["price", "haircuts", "weights", "liquidationBonus", "volatility", "asset", "sources"] as const) {
        await expect(oracle[view](3), view).to.be.revertedWithCustomError(oracle, "UnknownAsset").withArgs(3);
      }
      for (const view of ["markPrice", "marketRatios", "marketUnderlying"] as const) {
        await expect(oracle[view](2), view).to.be.revertedWithCustomError(oracle, "UnknownMarket").withArgs(2);
      }
    });

    it("has no function that changes state other than poke", async function () {
      const { oracle } = await networkHelpers.loadFixture(deployDefaultOracle);
      const writers = oracle.interface.fragments
        .filter((f): f is FunctionFragment => f instanceof FunctionFragment)
        .filter((f) => f.stateMutability !== "view" && f.stateMutability !== "pure")
        .map((f) => f.name);
      expect(writers).to.deep.equal(["poke"]);
    });
  });
});
