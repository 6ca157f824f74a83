/**
 * Shared pieces of the contract suites: a world on custom tokens (for misbehaving ERC-20s),
 * extra engines on an existing oracle, traders restored from a fixture's opening, and
 * hand-built proofs for updates the engine must reject.
 */
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import type { BaseContract, Signer } from "ethers";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { planUpdate, type AccountOpening } from "../../prover/src/account.js";
import { packProof, type SolidityProof } from "../../prover/src/calldata.js";
import { initNoteCrypto, noteStruct } from "../../prover/src/keeperNote/index.js";
import { N_ASSETS } from "../../prover/src/constants.js";
import type { EngineContract, OracleContract, TokenContract } from "../../prover/src/contracts.js";
import { DEV_LEASE, type DevAssetSpec } from "../../prover/src/devnet.js";
import { accountCommitment, basketHash, type BasketDelta } from "../../prover/src/encoding.js";
import { initPoseidon, type SyncPoseidon } from "../../prover/src/poseidon.js";
import type { Prover } from "../../prover/src/prover.js";
import { OpeningStore } from "../../prover/src/store.js";
import { Trader } from "../../prover/src/trader.js";
import { deployMarginEngine } from "../../scripts/lib/deploy.js";
import { ACCOUNT_UPDATE_ARTIFACTS, createWorld, fund, nextEpoch, registerKeeperKey, seedPool, type World } from "../../scripts/lib/world.js";
import type { MarginEngine, PerpMarket } from "../../types/ethers-contracts/index.js";

export const USDC = 0;
export const WETH = 1;
export const WBTC = 2;
export const ETH_PERP = 0;
export const BTC_PERP = 1;
export const e6 = 10n ** 6n;
export const e18 = 10n ** 18n;
/** Token amounts, basket deltas and position sizes are below 2^96. */
export const LIMIT_96 = 1n << 96n;
/** Requirements are below 2^150. */
export const LIMIT_150 = 1n << 150n;

/** The engine's Action enum. */
export const Action = { Deposit: 0n, Withdraw: 1n, Trade: 2n, RenewLease: 3n, Settle: 4n, AbsorbNote: 5n, EmitNote: 6n } as const;

/** A keeper note naming the world's keeper (id 1) with a meaningless ciphertext: fine for updates
 *  that must fail before or at verification. */
export const GARBAGE_NOTE: ReturnType<typeof noteStruct> = { keeperId: 1n, ephemeralKey: [1n, 2n], ciphertext: [1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n, 9n] };

/** A well-formed but meaningless proof: the verifier returns false, it does not revert. */
export const GARBAGE_PROOF: SolidityProof = {
  a: [1n, 2n],
  b: [
    [3n, 4n],
    [5n, 6n],
  ],
  c: [7n, 8n],
};

/** An account update proved by hand: what to submit and the opening it leads to. */
export interface HandProof {
  newCommitment: bigint;
  /** The keeper note the proof binds (the engine's KeeperNote tuple). */
  note: ReturnType<typeof noteStruct>;
  proof: SolidityProof;
  next: AccountOpening;
}

/**
 * Proves a move from `opening` by `delta` against whatever `requirement` and `weights` the caller
 * chooses (the circuit only checks the basket clears them): the way to build a proof the engine
 * must reject because it derives different public inputs.
 */
export async function proveByHand(
  w: World,
  h: SyncPoseidon,
  opening: AccountOpening,
  delta: BasketDelta,
  requirement: bigint,
  weights: readonly bigint[],
): Promise<HandProof> {
  const keeper = { crypto: await initNoteCrypto(), keeper: { keeperId: w.keeper.keeperId, key: w.keeper.key.publicKey }, nonce: BigInt(await w.d.oracle.currentEpoch()) };
  const plan = planUpdate(h, opening, delta, requirement, weights, keeper);
  const out = await w.prover.prove(ACCOUNT_UPDATE_ARTIFACTS, plan.input);
  return { newCommitment: plan.publicSignals.newCommitment, note: noteStruct(plan.note), proof: packProof(out.proof), next: plan.next };
}

/** The current epoch's weight vectors. */
export async function weightVectors(oracle: OracleContract): Promise<{ initial: bigint[]; maintenance: bigint[] }> {
  const [initial, maintenance] = await oracle.weightVectors();
  return { initial: [...initial].map(BigInt), maintenance: [...maintenance].map(BigInt) };
}

/**
 * A `Trader` for `signer` whose opening is `opening` (default: the empty basket), kept in a fresh
 * store: after `loadFixture` reverts the chain, the world's shared store may hold a later opening.
 */
/** Resolves to the error `p` rejects with (fails the test if it resolves). */
export async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected a rejection");
}

export async function traderAt(
  w: World,
  signer: Signer,
  opening?: AccountOpening,
  engine: BaseContract = w.d.engine,
): Promise<Trader> {
  const store = new OpeningStore(mkdtempSync(join(tmpdir(), "plimsoll-contract-tests-")));
  const owner = await signer.getAddress();
  if (opening !== undefined) {
    const h = await initPoseidon();
    const key = { chainId: (await signer.provider!.getNetwork()).chainId, engine: await engine.getAddress(), owner };
    store.save(key, opening, accountCommitment(h, opening.amounts, opening.blinding, opening.owner));
  }
  return Trader.load({
    engine: engine.connect(signer) as unknown as EngineContract,
    oracle: w.d.oracle,
    signer,
    prover: w.prover,
    artifacts: ACCOUNT_UPDATE_ARTIFACTS,
    store,
    keeper: { keeperId: w.keeper.keeperId, key: w.keeper.key.publicKey },
  });
}

/** Mints `amounts` (slot -> base units) to `who` and approves `spender` for them. */
export async function fundFor(w: World, spender: string, who: Signer, amounts: ReadonlyMap<number, bigint>): Promise<void> {
  for (const [slot, amount] of amounts) {
    const token = w.d.tokens[slot]!.connect(who) as TokenContract;
    await (await token.mint(await who.getAddress(), amount)).wait();
    await (await token.approve(spender, amount)).wait();
  }
}

/** The basketHash of the empty basket, the engine's constructor argument. */
export async function emptyBasketHash(): Promise<bigint> {
  return basketHash(await initPoseidon(), new Array<bigint>(N_ASSETS).fill(0n));
}

/**
 * A second engine (with its own new market, fund and keeper registry) on `w`'s oracle, with its own verifier
 * and settlement slot. The world's keeper registers its key there too (as keeper 1, the id traders name).
 */
export async function deployEngine(
  ethers: HardhatEthers,
  w: World,
  opts: { verifier?: string; settlementAsset?: number; funding?: readonly [bigint, bigint, bigint] } = {},
): Promise<{ engine: MarginEngine; market: PerpMarket }> {
  const engine = (await deployMarginEngine(ethers, {
    oracle: w.d.oracle,
    updateVerifier: opts.verifier === undefined ? w.d.verifier : { getAddress: async () => opts.verifier! },
    insolvencyVerifier: w.d.insolvencyVerifier,
    poseidon3: w.d.poseidon3,
    settlementAsset: opts.settlementAsset ?? 0,
    lease: DEV_LEASE,
    libraries: w.d.libraries,
    ...(opts.funding === undefined ? {} : { funding: opts.funding }),
  })) as unknown as MarginEngine;
  const market = await ethers.getContractAt("PerpMarket", await engine.market());
  await registerWorldKeeper(ethers, w, engine);
  return { engine, market };
}

/**
 * An engine on `w`'s oracle that accepts every proof (`AcceptingVerifier`, `AcceptingInsolvencyVerifier`),
 * settled in slot `settlementAsset` (0 unless given), optionally with a funding rule, the world's keeper
 * registered, and (with `pool`) its pool seeded with `liquidity` of the settlement slot by `lp`: for the
 * suites about the engine's checks and token movements, not its proofs.
 */
export async function deployAcceptingEngine(
  ethers: HardhatEthers,
  w: World,
  pool?: { lp: Signer; liquidity: bigint },
  funding?: readonly [bigint, bigint, bigint],
  settlementAsset = 0,
): Promise<{ engine: MarginEngine; market: PerpMarket }> {
  const engine = (await deployMarginEngine(ethers, {
    oracle: w.d.oracle,
    updateVerifier: await ethers.deployContract("AcceptingVerifier"),
    insolvencyVerifier: await ethers.deployContract("AcceptingInsolvencyVerifier"),
    poseidon3: w.d.poseidon3,
    settlementAsset,
    lease: DEV_LEASE,
    libraries: w.d.libraries,
    ...(funding === undefined ? {} : { funding }),
  })) as unknown as MarginEngine;
  await registerWorldKeeper(ethers, w, engine);
  const market = (await ethers.getContractAt("PerpMarket", await engine.market())) as unknown as PerpMarket;
  if (pool !== undefined) {
    const settlement = w.d.tokens[settlementAsset]! as TokenContract;
    await (await settlement.mint(await pool.lp.getAddress(), pool.liquidity)).wait();
    await (await (settlement.connect(pool.lp) as TokenContract).approve(await market.getAddress(), pool.liquidity)).wait();
    await (await market.connect(pool.lp).addLiquidity(pool.liquidity)).wait();
  }
  return { engine, market };
}

/** Registers the world's keeper key on `engine`'s own keeper registry, by the world's keeper operator. */
export async function registerWorldKeeper(ethers: HardhatEthers, w: World, engine: { keeperRegistry(): Promise<string> }): Promise<void> {
  const registry = (await ethers.getContractAt("KeeperRegistry", await engine.keeperRegistry())) as unknown as World["d"]["keeperRegistry"];
  const k = await registerKeeperKey(ethers, registry, w.keeper.operator, w.keeper.key);
  if (k.keeperId !== w.keeper.keeperId) throw new Error(`the world's keeper registered as ${k.keeperId}, not ${w.keeper.keeperId}`);
}

/** The world's engine and market with their full generated types (the deployment's are slices). */
export function typed(w: World): { engine: MarginEngine; market: PerpMarket } {
  return { engine: w.d.engine as unknown as MarginEngine, market: w.d.market as unknown as PerpMarket };
}

/** One collateral slot of a custom world: an already deployed token and its price. */
export interface CustomAsset extends DevAssetSpec {
  token: BaseContract;
}

/**
 * Deploys Plimsoll as `scripts/lib/deploy.ts` does, but on tokens the caller deployed (e.g. a
 * test-only token that re-enters the engine), and closes the first epoch.
 */
export async function createCustomWorld(
  ethers: HardhatEthers,
  prover: Prover,
  assets: readonly CustomAsset[],
  markets: readonly { symbol: string; underlying: number }[],
): Promise<World> {
  return createWorld(ethers, {
    prover,
    markets,
    assets: assets.map(({ symbol, decimals, price, annualVol }) => ({ symbol, decimals, price, annualVol })),
    tokens: assets.map((a) => a.token as unknown as TokenContract),
  });
}

/** Sums `(asset, delta)` pairs per asset slot. */
export function sumByAsset(entries: readonly { asset: bigint; delta: bigint }[]): Map<number, bigint> {
  const out = new Map<number, bigint>();
  for (const { asset, delta } of entries) out.set(Number(asset), (out.get(Number(asset)) ?? 0n) + delta);
  return out;
}

/** The liquidation suites' account (liquidation, liquidationAuction): on a new world with 1,000,000 USDC in the pool. */
export interface LongAccount {
  w: World;
  alice: Signer;
  keeper: Signer;
  other: Signer;
  /** Alice's opening: 5,000 USDC and 1 WETH, long 10 ETH-PERP from $3,000. */
  opening: AccountOpening;
}

/**
 * Alice opens a long 10 ETH-PERP at $3,000 with 5,000 USDC and 1 WETH; the two liquidators, `keeper` and
 * `other`, each hold 100,000 USDC approved to the engine and 1 WETH (a working liquidator already holds some
 * of what it seizes, so its gas reflects a running keeper).
 */
export async function openLongAccount(ethers: HardhatEthers): Promise<LongAccount> {
  const [, lp, alice, keeper, other] = await ethers.getSigners();
  const w = await createWorld(ethers);
  await seedPool(w, lp!, 1_000_000n * e6);
  await fund(w, alice!, new Map([[USDC, 5_000n * e6], [WETH, e18]]));
  const t = await traderAt(w, alice!);
  await t.deposit(USDC, 5_000n * e6);
  await t.deposit(WETH, e18);
  await t.trade(ETH_PERP, 10n * e18);
  for (const k of [keeper!, other!]) {
    const usdc = w.d.tokens[USDC]!.connect(k) as TokenContract;
    await (await usdc.mint(await k.getAddress(), 100_000n * e6)).wait();
    await (await usdc.approve(await w.d.engine.getAddress(), 100_000n * e6)).wait();
    await (await (w.d.tokens[WETH]! as TokenContract).mint(await k.getAddress(), e18)).wait();
  }
  return { w, alice: alice!, keeper: keeper!, other: other!, opening: t.opening };
}

/**
 * Moves WBTC to `price` and pokes until BTC-PERP's mark has followed it (the mark moves at most markBandBps a
 * sample) and the jump's cooling-off is over (the jump trips WBTC's circuit breaker), after which BTC-PERP takes
 * risk again. Returns the last epoch.
 */
export async function markBtcAt(w: World, price: bigint): Promise<bigint> {
  let epoch = await nextEpoch(w, new Map([[WBTC, price]]));
  while ((await w.d.oracle.markPrice(BTC_PERP)) !== price || (await w.d.oracle.marketHalted(BTC_PERP))) epoch = await nextEpoch(w);
  return epoch;
}
