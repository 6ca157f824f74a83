/**
 * Deploys a complete Plimsoll system on any ethers v6 signer: Poseidon hashers, price sources
 * and tokens (development mocks), the governance-free oracle, the account-update verifier and
 * the margin engine (which deploys its perp market). Used by the demo, the benchmark and the tests.
 */
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import type { Contract } from "ethers";
import type { EngineContract, FeedContract, KeeperRegistryContract, MarketContract, OracleContract, TokenContract } from "../../prover/src/contracts.js";
import { N_ASSETS } from "../../prover/src/constants.js";
import { basketHash } from "../../prover/src/encoding.js";
import { initPoseidon } from "../../prover/src/poseidon.js";
import { annualVolToVariancePerSample, defaultRiskConfig, type RiskConfig } from "../../prover/src/oracle/index.js";
import type { AssetInfo } from "../../prover/src/assets.js";
import { DEV_ASSETS, DEV_LEASE, DEV_MARKETS, type DevAssetSpec } from "../../prover/src/devnet.js";
import { poseidonArtifact } from "./poseidonContracts.js";

/** Price sources per asset in the development world. */
export const DEV_SOURCES_PER_ASSET = 3;

export interface DeployOptions {
  assets?: readonly DevAssetSpec[];
  markets?: readonly { symbol: string; underlying: number }[];
  /** Oracle sampling grid in seconds (default 3600). */
  gridSeconds?: number;
  risk?: RiskConfig;
  /** Solvency-lease timing of the engine (default DEV_LEASE). */
  lease?: { maxAge: bigint; grace: bigint };
  /**
   * Tokens already deployed, one per asset (default: a new mintable MockERC20 each). Tests use it
   * for tokens that misbehave, e.g. one that re-enters the engine.
   */
  tokens?: readonly TokenContract[];
}

/** Handles to everything deployed. Contracts are untyped ethers Contracts. */
export interface Deployment {
  oracle: OracleContract;
  engine: EngineContract;
  market: MarketContract;
  verifier: Contract;
  insolvencyVerifier: Contract;
  keeperRegistry: KeeperRegistryContract;
  poseidon3: Contract;
  poseidon4: Contract;
  tokens: TokenContract[];
  /** Price sources per asset slot. */
  feeds: FeedContract[][];
  assets: AssetInfo[];
  specs: readonly DevAssetSpec[];
  markets: readonly { symbol: string; underlying: number }[];
  risk: RiskConfig;
}

async function deployBytecode(ethers: HardhatEthers, nInputs: number): Promise<Contract> {
  const [signer] = await ethers.getSigners();
  const art = poseidonArtifact(nInputs);
  const factory = new ethers.ContractFactory(art.abi as never, art.bytecode, signer);
  const c = await factory.deploy();
  await c.waitForDeployment();
  return c as unknown as Contract;
}

/** What a margin engine is built from (see `IMarginEngine.Config`). */
export interface EngineDeps {
  oracle: { getAddress(): Promise<string> };
  updateVerifier: { getAddress(): Promise<string> };
  insolvencyVerifier: { getAddress(): Promise<string> };
  poseidon3: { getAddress(): Promise<string> };
  keeperRegistry: { getAddress(): Promise<string> };
  settlementAsset: number;
  lease: { maxAge: bigint; grace: bigint };
}

/** Deploys a MarginEngine (which deploys its perp market and insurance fund) on existing parts. */
export async function deployMarginEngine(ethers: HardhatEthers, deps: EngineDeps): Promise<EngineContract> {
  const engine = await ethers.deployContract("MarginEngine", [
    {
      oracle: await deps.oracle.getAddress(),
      updateVerifier: await deps.updateVerifier.getAddress(),
      insolvencyVerifier: await deps.insolvencyVerifier.getAddress(),
      poseidon3: await deps.poseidon3.getAddress(),
      emptyBasketHash: basketHash(await initPoseidon(), new Array<bigint>(N_ASSETS).fill(0n)),
      settlementAsset: deps.settlementAsset,
      leaseMaxAge: deps.lease.maxAge,
      leaseGrace: deps.lease.grace,
      keeperRegistry: await deps.keeperRegistry.getAddress(),
    },
  ]);
  return engine as unknown as EngineContract;
}

/** Deploys the whole system with development tokens and price sources. */
export async function deployPlimsoll(ethers: HardhatEthers, opts: DeployOptions = {}): Promise<Deployment> {
  const specs = opts.assets ?? DEV_ASSETS;
  const markets = opts.markets ?? DEV_MARKETS;
  const gridSeconds = opts.gridSeconds ?? 3600;
  const risk = opts.risk ?? defaultRiskConfig(gridSeconds);
  const now = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);

  const poseidon3 = await deployBytecode(ethers, 3);
  const poseidon4 = await deployBytecode(ethers, 4);

  const tokens: TokenContract[] = [];
  const feeds: FeedContract[][] = [];
  for (const [i, s] of specs.entries()) {
    const given = opts.tokens?.[i];
    tokens.push(given ?? ((await ethers.deployContract("MockERC20", [`Mock ${s.symbol}`, s.symbol, s.decimals])) as unknown as TokenContract));
    const row: FeedContract[] = [];
    for (let k = 0; k < DEV_SOURCES_PER_ASSET; k++) {
      const feed = await ethers.deployContract("MockAggregator", [8]);
      await (await feed.setAnswer(s.price, now)).wait();
      row.push(feed as unknown as FeedContract);
    }
    feeds.push(row);
  }

  const assetConfigs = await Promise.all(
    specs.map(async (s, i) => ({
      token: await tokens[i]!.getAddress(),
      decimals: s.decimals,
      sources: await Promise.all(feeds[i]!.map((f) => f.getAddress())),
      initialVariance: annualVolToVariancePerSample(s.annualVol, gridSeconds),
    })),
  );
  const oracle = (await ethers.deployContract("PlimsollOracle", [
    await poseidon4.getAddress(),
    risk,
    assetConfigs,
    markets.map((m) => m.underlying),
  ])) as unknown as OracleContract;

  const verifier = (await ethers.deployContract("AccountUpdateVerifier")) as unknown as Contract;
  const insolvencyVerifier = (await ethers.deployContract("InsolvencyVerifier")) as unknown as Contract;
  const lease = opts.lease ?? DEV_LEASE;
  // Keepers bond 1,000 units of the settlement token and wait out a full lease plus its grace to exit.
  const keeperRegistry = (await ethers.deployContract("KeeperRegistry", [
    await tokens[0]!.getAddress(),
    1_000n * 10n ** BigInt(specs[0]!.decimals),
    lease.maxAge + lease.grace,
  ])) as unknown as KeeperRegistryContract;
  const engine = await deployMarginEngine(ethers, {
    oracle,
    updateVerifier: verifier,
    insolvencyVerifier,
    poseidon3,
    keeperRegistry,
    settlementAsset: 0,
    lease,
  });
  const market = (await ethers.getContractAt("PerpMarket", await engine.market())) as unknown as MarketContract;

  const assets: AssetInfo[] = await Promise.all(
    specs.map(async (s, i) => ({ symbol: s.symbol, slot: i, decimals: s.decimals, token: await tokens[i]!.getAddress() })),
  );
  return { oracle, engine, market, verifier, insolvencyVerifier, keeperRegistry, poseidon3, poseidon4, tokens, feeds, assets, specs, markets, risk };
}

/** Sets every source of asset `slot` to `price` (8 decimals) at `timestamp`. */
export async function setPrice(d: Deployment, slot: number, price: bigint, timestamp: bigint): Promise<void> {
  for (const f of d.feeds[slot]!) await (await f.setAnswer(price, timestamp)).wait();
}
