/**
 * DEVELOPMENT ONLY: the development world of prover/src/devnet.ts on Hardhat Ignition, for the
 * in-process network (or a local `npx hardhat node`). NEVER deploy this to a real network: its tokens
 * (MockERC20) can be minted by anyone and its price sources (MockAggregator) can be set by anyone.
 *
 *   npx hardhat ignition deploy ignition/modules/DevWorld.ts
 *
 * For every asset of DEV_ASSETS (USDC, WETH, WBTC) it deploys a MockERC20 and DEV_SOURCES_PER_ASSET (3)
 * MockAggregators with 8 decimals, and sets each source's answer to the asset's DEV_ASSETS price with
 * `setAnswer(price, pricesUpdatedAt)`. Then it adds the core system of ./Plimsoll.ts with these
 * addresses (`addPlimsollCore`: a module's parameters cannot carry another module's futures), the
 * hourly `defaultRiskConfig(3600)`, starting variances from each asset's annual volatility and the
 * markets of DEV_MARKETS (ETH-PERP, BTC-PERP), settling in slot 0 (USDC).
 *
 * `pricesUpdatedAt` (parameter of the `DevWorld` module): the `updatedAt` given to every source.
 * An Ignition module is a static description and cannot read the chain's clock, so it defaults to the
 * wall clock when this file is loaded (unix seconds): on the in-process network, whose blocks follow the
 * wall clock, the answers are fresh for `maxStaleness` (2 hours) and the first `oracle.poke()` prices
 * every asset. The oracle rejects answers from the future (`updatedAt > block.timestamp`) and older than
 * `maxStaleness`, so on a chain whose clock differs (a fork, a node moved in time), or to make a persisted
 * deployment resumable (a default that changes between runs changes the `setAnswer` arguments, which
 * Ignition's reconciliation refuses), pass it explicitly:
 *   --parameters '{"DevWorld":{"pricesUpdatedAt":1767225600}}'
 */
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import type { ArgumentType, NamedArtifactContractDeploymentFuture } from "@nomicfoundation/ignition-core";
import { DEV_ASSETS, DEV_LEASE, DEV_LIQUIDATION, DEV_MARKETS } from "../../prover/src/index.js";
import { annualVolToVariancePerSample } from "../../prover/src/index.js";
import { DEV_SOURCES_PER_ASSET } from "../../scripts/lib/deploy.js";
import { DEFAULT_RISK, addPlimsollCore } from "./Plimsoll.js";

/** Decimals of the mock price sources (Chainlink's usual USD scale). */
export const DEV_FEED_DECIMALS = 8;

/** Settlement slot of the development world: USDC. */
export const DEV_SETTLEMENT_ASSET = 0;

const DevWorldModule = buildModule("DevWorld", (m) => {
  const updatedAt = m.getParameter<bigint>("pricesUpdatedAt", BigInt(Math.floor(Date.now() / 1000)));

  const mocks: Record<string, NamedArtifactContractDeploymentFuture<"MockERC20" | "MockAggregator">> = {};
  const assets: ArgumentType[] = DEV_ASSETS.map((spec) => {
    const token = m.contract("MockERC20", [`Mock ${spec.symbol}`, spec.symbol, spec.decimals], { id: `Token_${spec.symbol}` });
    mocks[`token${spec.symbol}`] = token;
    const sources = [];
    for (let k = 0; k < DEV_SOURCES_PER_ASSET; k++) {
      const feed = m.contract("MockAggregator", [DEV_FEED_DECIMALS], { id: `Feed_${spec.symbol}_${k}` });
      m.call(feed, "setAnswer", [spec.price, updatedAt], { id: `Feed_${spec.symbol}_${k}_setAnswer` });
      mocks[`feed${spec.symbol}${k}`] = feed;
      sources.push(feed);
    }
    return {
      token,
      decimals: spec.decimals,
      sources,
      initialVariance: annualVolToVariancePerSample(spec.annualVol, DEFAULT_RISK.gridSeconds),
    };
  });

  const core = addPlimsollCore(m, {
    risk: DEFAULT_RISK,
    assets,
    marketUnderlyings: DEV_MARKETS.map((market) => market.underlying),
    settlementAsset: DEV_SETTLEMENT_ASSET,
    leaseMaxAge: DEV_LEASE.maxAge,
    leaseGrace: DEV_LEASE.grace,
    targetHealthBps: DEV_LIQUIDATION.targetHealthBps,
    auctionStartBps: DEV_LIQUIDATION.auctionStartBps,
    auctionDuration: DEV_LIQUIDATION.auctionDuration,
    seizeDelay: DEV_LIQUIDATION.seizeDelay,
    // Keepers bond 1,000 of the settlement token (one shortfall draws at most 500 of it) and wait out a
    // lease plus its grace to exit.
    keeperBondToken: mocks[`token${DEV_ASSETS[DEV_SETTLEMENT_ASSET]!.symbol}`]!,
    keeperBond: 1_000n * 10n ** BigInt(DEV_ASSETS[DEV_SETTLEMENT_ASSET]!.decimals),
    keeperDrawCap: 500n * 10n ** BigInt(DEV_ASSETS[DEV_SETTLEMENT_ASSET]!.decimals),
    funding: [0n, 0n, 0n],
    keeperExitDelay: DEV_LEASE.maxAge + DEV_LEASE.grace,
  });
  return { ...core, ...mocks };
});

export default DevWorldModule;
