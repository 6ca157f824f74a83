/**
 * Deploys a complete Plimsoll system on any ethers v6 signer: Poseidon hashers, price sources
 * and tokens (development mocks), the governance-free oracle, the account-update verifier, the
 * engine's linked concept libraries, the perp market and its insurance fund, the shielded note pool
 * and its verifiers, and the margin engine (whose constructor binds the market, the fund and the
 * pool to itself). Used by the demo, the benchmark and the tests.
 */
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import type { Contract } from "ethers";
import type { EngineContract, FeedContract, KeeperRegistryContract, MarketContract, OracleContract, TokenContract } from "../../prover/src/index.js";
import { N_ASSETS } from "../../prover/src/index.js";
import { basketHash } from "../../prover/src/index.js";
import { initPoseidon } from "../../prover/src/index.js";
import { annualVolToVariancePerSample, defaultRiskConfig, type RiskConfig } from "../../prover/src/index.js";
import type { AssetInfo } from "../../prover/src/index.js";
import { DEV_ASSETS, DEV_LEASE, DEV_LIQUIDATION, DEV_MARKETS, type DevAssetSpec } from "../../prover/src/index.js";
import { deployPoseidonT3, poseidonArtifact } from "./poseidonContracts.js";

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
  /** The insurance fund backing the market's pool. */
  insuranceFund: Contract;
  /** The engine's linked concept libraries (reusable by further engines). */
  libraries: EngineLibraries;
  verifier: Contract;
  insolvencyVerifier: Contract;
  /** The shielded note pool, bound to the engine (which holds its tokens). */
  shieldedPool: Contract;
  /** Its verifiers and the engine's note-update verifiers. */
  noteVerifiers: NoteVerifiers;
  /** poseidon-solidity's PoseidonT3 library, linked into the pool. */
  poseidonT3: string;
  keeperRegistry: KeeperRegistryContract;
  /** Creates owners' isolated sub-accounts on the engine (contracts/accounts/). */
  subAccountFactory: Contract;
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

/** The generated verifiers of the note circuits: the pool's two and the engine's two. */
export interface NoteVerifiers {
  joinSplit: string;
  batchInsert: string;
  absorb: string;
  emit: string;
}

/** Deploys the four note verifiers (contracts/generated/, `npm run build`). */
export async function deployNoteVerifiers(ethers: HardhatEthers): Promise<NoteVerifiers> {
  const one = async (name: string): Promise<string> => (await ethers.deployContract(name)).getAddress();
  return {
    joinSplit: await one("NoteJoinSplitVerifier"),
    batchInsert: await one("NoteBatchInsertVerifier"),
    absorb: await one("AccountAbsorbVerifier"),
    emit: await one("AccountEmitVerifier"),
  };
}

/**
 * Deploys a ShieldedPool on `oracle`'s asset slots, linked to PoseidonT3 (deployed here unless given).
 * It is unbound: the margin engine built on it binds it in its constructor.
 */
export async function deployShieldedPool(ethers: HardhatEthers, oracle: string, verifiers: NoteVerifiers, poseidonT3?: string): Promise<{ pool: Contract; poseidonT3: string }> {
  const [signer] = await ethers.getSigners();
  const t3 = poseidonT3 ?? (await deployPoseidonT3(signer!));
  const pool = await ethers.deployContract("ShieldedPool", [oracle, verifiers.joinSplit, verifiers.batchInsert], { libraries: { PoseidonT3: t3 } });
  await pool.waitForDeployment();
  return { pool: pool as unknown as Contract, poseidonT3: t3 };
}

/** What a margin engine is built from (see `IMarginEngine.Config`). */
export interface EngineDeps {
  oracle: { getAddress(): Promise<string> };
  updateVerifier: { getAddress(): Promise<string> };
  insolvencyVerifier: { getAddress(): Promise<string> };
  poseidon3: { getAddress(): Promise<string> };
  /** An unbound keeper registry bonded in the settlement token (default: a new one, `deployKeeperRegistry`). */
  keeperRegistry?: { getAddress(): Promise<string> };
  settlementAsset: number;
  lease: { maxAge: bigint; grace: bigint };
  /** The engine's linked libraries, if already deployed (default: deployed here). */
  libraries?: EngineLibraries;
  /** An unbound shielded pool on the same oracle (default: a new one, on `noteVerifiers`). */
  shieldedPool?: { getAddress(): Promise<string> };
  /** The note verifiers (default: deployed here). */
  noteVerifiers?: NoteVerifiers;
  /** An unbound market in the settlement token (default: a new PerpMarket quoted by the oracle). */
  market?: { getAddress(): Promise<string> };
  /** The market's funding rule, [coefficient, cap, floor] (see `PerpMarket.funding`; default: none). */
  funding?: readonly [bigint, bigint, bigint];
  /** The portfolio-margin account-update verifier (default: a new AccountUpdatePortfolioVerifier). */
  portfolioVerifier?: { getAddress(): Promise<string> };
}

/** A market without funding (cap 0): the engine's numbers are those before funding. */
export const NO_FUNDING = [0n, 0n, 0n] as const;

/** The margin engine's linked concept libraries (contracts/engine/): name -> address. */
export type EngineLibraries = Record<(typeof ENGINE_LIBRARIES)[number], string>;

/** The libraries the MarginEngine links (it reaches them by DELEGATECALL). */
export const ENGINE_LIBRARIES = ["AccountUpdates", "NoteUpdates", "Positions", "Leases", "Liquidation"] as const;

/** Deploys the margin engine's linked libraries (stateless: one set serves any number of engines). */
export async function deployEngineLibraries(ethers: HardhatEthers): Promise<EngineLibraries> {
  const out = {} as EngineLibraries;
  for (const name of ENGINE_LIBRARIES) {
    const lib = await ethers.deployContract(name);
    await lib.waitForDeployment();
    out[name] = await lib.getAddress();
  }
  return out;
}

/** Development keeper bond and draw cap, in whole units of the bond token. */
export const DEV_KEEPER_BOND = 1_000n;
export const DEV_KEEPER_DRAW_CAP = 500n;

/**
 * Deploys an unbound KeeperRegistry bonded in `token` (of `decimals`): keepers bond 1,000 units, one
 * shortfall draws at most 500 of them, and the exit waits out a full lease plus its grace.
 */
export async function deployKeeperRegistry(
  ethers: HardhatEthers,
  token: string,
  decimals: number | bigint,
  lease: { maxAge: bigint; grace: bigint } = DEV_LEASE,
): Promise<KeeperRegistryContract> {
  const unit = 10n ** BigInt(decimals);
  const registry = await ethers.deployContract("KeeperRegistry", [token, DEV_KEEPER_BOND * unit, lease.maxAge + lease.grace, DEV_KEEPER_DRAW_CAP * unit]);
  await registry.waitForDeployment();
  return registry as unknown as KeeperRegistryContract;
}

/**
 * Deploys a MarginEngine on existing parts, with `deps.market` or a new PerpMarket (quoted by the oracle), a new
 * InsuranceFund for its pool and, unless given, a new KeeperRegistry; the engine's constructor binds
 * them to itself.
 */
export async function deployMarginEngine(ethers: HardhatEthers, deps: EngineDeps): Promise<EngineContract> {
  const oracleAddress = await deps.oracle.getAddress();
  const oracle = await ethers.getContractAt("PlimsollOracle", oracleAddress);
  const [quoteToken, quoteDecimals] = await oracle.asset(deps.settlementAsset);
  const market = deps.market ?? (await ethers.deployContract("PerpMarket", [oracleAddress, quoteToken, quoteDecimals, deps.funding ?? NO_FUNDING]));
  const marketAddress = await market.getAddress();
  const fund = await ethers.deployContract("InsuranceFund", [quoteToken, marketAddress]);
  const keeperRegistry = deps.keeperRegistry ?? (await deployKeeperRegistry(ethers, quoteToken, quoteDecimals, deps.lease));
  const libraries = deps.libraries ?? (await deployEngineLibraries(ethers));
  const noteVerifiers = deps.noteVerifiers ?? (await deployNoteVerifiers(ethers));
  const shieldedPool = deps.shieldedPool ?? (await deployShieldedPool(ethers, oracleAddress, noteVerifiers)).pool;
  const portfolioVerifier = deps.portfolioVerifier ?? (await ethers.deployContract("AccountUpdatePortfolioVerifier"));
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
      targetHealthBps: DEV_LIQUIDATION.targetHealthBps,
      auctionStartBps: DEV_LIQUIDATION.auctionStartBps,
      auctionDuration: DEV_LIQUIDATION.auctionDuration,
      seizeDelay: DEV_LIQUIDATION.seizeDelay,
      keeperRegistry: await keeperRegistry.getAddress(),
      market: marketAddress,
      insuranceFund: await fund.getAddress(),
      shieldedPool: await shieldedPool.getAddress(),
      absorbVerifier: noteVerifiers.absorb,
      emitVerifier: noteVerifiers.emit,
      portfolioVerifier: await portfolioVerifier.getAddress(),
    },
  ], { libraries });
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
  const keeperRegistry = await deployKeeperRegistry(ethers, await tokens[0]!.getAddress(), specs[0]!.decimals, lease);
  const libraries = await deployEngineLibraries(ethers);
  const noteVerifiers = await deployNoteVerifiers(ethers);
  const { pool: shieldedPool, poseidonT3 } = await deployShieldedPool(ethers, await oracle.getAddress(), noteVerifiers);
  const engine = await deployMarginEngine(ethers, {
    oracle,
    updateVerifier: verifier,
    insolvencyVerifier,
    poseidon3,
    keeperRegistry,
    settlementAsset: 0,
    lease,
    libraries,
    shieldedPool,
    noteVerifiers,
  });
  const market = (await ethers.getContractAt("PerpMarket", await engine.market())) as unknown as MarketContract;
  const insuranceFund = (await ethers.getContractAt("InsuranceFund", await engine.insuranceFund())) as unknown as Contract;
  const subAccountFactory = (await ethers.deployContract("SubAccountFactory", [await engine.getAddress()])) as unknown as Contract;

  const assets: AssetInfo[] = await Promise.all(
    specs.map(async (s, i) => ({ symbol: s.symbol, slot: i, decimals: s.decimals, token: await tokens[i]!.getAddress() })),
  );
  return { oracle, engine, market, insuranceFund, libraries, verifier, insolvencyVerifier, shieldedPool, noteVerifiers, poseidonT3, keeperRegistry, subAccountFactory, poseidon3, poseidon4, tokens, feeds, assets, specs, markets, risk };
}

/** Sets every source of asset `slot` to `price` (8 decimals) at `timestamp`. */
export async function setPrice(d: Deployment, slot: number, price: bigint, timestamp: bigint): Promise<void> {
  for (const f of d.feeds[slot]!) await (await f.setAnswer(price, timestamp)).wait();
}
