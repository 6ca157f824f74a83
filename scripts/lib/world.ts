/**
 * A running development world on top of a deployment: move time and prices, close oracle
 * epochs, fund traders and the pool, and give each trader a `Trader` bound to a shared prover.
 * The demo, the benchmark and the end-to-end tests all drive Plimsoll through this.
 */
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import type { Signer } from "ethers";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TokenContract } from "../../prover/src/index.js";
import { Prover, type CircuitArtifacts } from "../../prover/src/index.js";
import { OpeningStore } from "../../prover/src/index.js";
import { Trader } from "../../prover/src/index.js";
import { generateKeeperKey, proveKeyPossession, type KeeperKey } from "../../prover/src/index.js";
import { deployPlimsoll, type DeployOptions, type Deployment } from "./deploy.js";
import { paths } from "./paths.js";

/** The account-update circuit's artifacts as `npm run build` leaves them. */
export const ACCOUNT_UPDATE_ARTIFACTS: CircuitArtifacts = {
  wasmPath: paths.wasm("account_update"),
  zkeyPath: paths.zkey("account_update"),
};
/** The insolvency circuit's artifacts as `npm run build` leaves them. */
export const INSOLVENCY_ARTIFACTS: CircuitArtifacts = {
  wasmPath: paths.wasm("insolvency"),
  zkeyPath: paths.zkey("insolvency"),
};

/** A registered keeper: its id, its key pair and the address that bonded it. */
export interface WorldKeeper {
  keeperId: bigint;
  key: KeeperKey;
  operator: Signer;
}

export interface World {
  ethers: HardhatEthers;
  d: Deployment;
  /** The development keeper every trader of the world names (registered by the last signer). */
  keeper: WorldKeeper;
  prover: Prover;
  store: OpeningStore;
  /** Current price of each asset slot (8 decimals), as last fed to every source. */
  prices: bigint[];
  gridSeconds: bigint;
}

/** Deploys Plimsoll and closes the first oracle epoch. Call `world.prover.close()` when done (unless the prover was given). */
export async function createWorld(
  ethers: HardhatEthers,
  opts: DeployOptions & { storeDir?: string; prover?: Prover } = {},
): Promise<World> {
  const d = await deployPlimsoll(ethers, opts);
  const world: World = {
    ethers,
    d,
    keeper: await registerKeeper(ethers, d),
    prover: opts.prover ?? new Prover(),
    store: new OpeningStore(opts.storeDir ?? mkdtempSync(join(tmpdir(), "plimsoll-openings-"))),
    prices: d.specs.map((s) => s.price),
    gridSeconds: BigInt(opts.gridSeconds ?? 3600),
  };
  await nextEpoch(world);
  return world;
}

/** Registers a fresh keeper key, bonded by the last of the node's signers (the keeper operator). */
export async function registerKeeper(ethers: HardhatEthers, d: Deployment, operator?: Signer): Promise<WorldKeeper> {
  const signers = await ethers.getSigners();
  const op = operator ?? (signers[signers.length - 1]! as unknown as Signer);
  return registerKeeperKey(ethers, d.keeperRegistry, op, await generateKeeperKey());
}

/**
 * `operator` registers `key` on `registry` with its proof of possession, after minting and approving
 * the bond in the registry's bond token (a development MockERC20).
 */
export async function registerKeeperKey(ethers: HardhatEthers, registry: Deployment["keeperRegistry"], operator: Signer, key: KeeperKey): Promise<WorldKeeper> {
  const bond = BigInt(await registry.bondAmount());
  const token = (await ethers.getContractAt("MockERC20", await registry.bondToken())).connect(operator) as unknown as TokenContract;
  await (await token.mint(await operator.getAddress(), bond)).wait();
  await (await token.approve(await registry.getAddress(), bond)).wait();
  const r = registry.connect(operator) as typeof registry;
  const ctx = { chainId: (await ethers.provider.getNetwork()).chainId, registry: await r.getAddress(), owner: await operator.getAddress() };
  const receipt = await (await r.register(key.publicKey[0], key.publicKey[1], await proveKeyPossession(key, ctx))).wait();
  const log = receipt!.logs.map((l) => registry.interface.parseLog(l)).find((l) => l?.name === "KeeperRegistered");
  return { keeperId: BigInt(log!.args.keeperId), key, operator };
}

/** Timestamp of the latest block. */
export async function now(w: World): Promise<bigint> {
  return BigInt((await w.ethers.provider.getBlock("latest"))!.timestamp);
}

/** Moves the chain's clock forward by `seconds` (mines one block). */
export async function elapse(w: World, seconds: bigint): Promise<void> {
  const t = (await now(w)) + seconds;
  await w.ethers.provider.send("evm_setNextBlockTimestamp", [`0x${t.toString(16)}`]);
  await w.ethers.provider.send("evm_mine", []);
}

/**
 * Moves time to the next grid step, feeds `changes` (slot -> price) and the unchanged prices
 * to every source with a fresh timestamp, and pokes the oracle: one new epoch.
 */
export async function nextEpoch(w: World, changes: ReadonlyMap<number, bigint> = new Map()): Promise<bigint> {
  return epochWith(w, changes, []);
}

/**
 * `nextEpoch` in which every source of each slot of `frozen` answers with an `updatedAt` older than
 * maxStaleness: those assets stay frozen at their last valid price (their markets halted). A stale
 * source answers `answers.get(slot)` when given (the real price, which the oracle cannot see), else
 * the slot's price in `w.prices`; `w.prices` keeps the frozen price either way.
 */
export async function frozenEpoch(w: World, frozen: readonly number[], answers: ReadonlyMap<number, bigint> = new Map()): Promise<bigint> {
  return epochWith(w, new Map(), frozen, answers);
}

async function epochWith(
  w: World,
  changes: ReadonlyMap<number, bigint>,
  frozen: readonly number[],
  answers: ReadonlyMap<number, bigint> = new Map(),
): Promise<bigint> {
  const t = await now(w);
  const next = (t / w.gridSeconds + 1n) * w.gridSeconds + 1n;
  await w.ethers.provider.send("evm_setNextBlockTimestamp", [`0x${next.toString(16)}`]);
  await w.ethers.provider.send("evm_mine", []);
  const stale = frozen.length === 0 ? next : next - BigInt(await w.d.oracle.maxStaleness()) - 1n;
  for (const [slot, price] of changes) w.prices[slot] = price;
  for (let slot = 0; slot < w.prices.length; slot++) {
    const isFrozen = frozen.includes(slot);
    const answer = (isFrozen ? answers.get(slot) : undefined) ?? w.prices[slot]!;
    for (const f of w.d.feeds[slot]!) await (await f.setAnswer(answer, isFrozen ? stale : next)).wait();
  }
  await (await w.d.oracle.poke()).wait();
  return BigInt(await w.d.oracle.currentEpoch());
}

/** Mints `amounts` (slot -> base units) to `who` and approves the engine for all of it. */
export async function fund(w: World, who: Signer, amounts: ReadonlyMap<number, bigint>): Promise<void> {
  const engine = await w.d.engine.getAddress();
  for (const [slot, amount] of amounts) {
    const token = w.d.tokens[slot]!.connect(who) as TokenContract;
    await (await token.mint(await who.getAddress(), amount)).wait();
    await (await token.approve(engine, amount)).wait();
  }
}

/** Seeds the perp market's pool with `amount` quote-token base units from `lp`. */
export async function seedPool(w: World, lp: Signer, amount: bigint): Promise<void> {
  const quote = w.d.tokens[0]!.connect(lp) as TokenContract;
  await (await quote.mint(await lp.getAddress(), amount)).wait();
  await (await quote.approve(await w.d.market.getAddress(), amount)).wait();
  await (await (w.d.market.connect(lp) as typeof w.d.market).addLiquidity(amount)).wait();
}

/** A `Trader` for `signer`, sharing the world's prover and opening store. */
export function traderFor(w: World, signer: Signer): Promise<Trader> {
  return Trader.load({
    engine: w.d.engine.connect(signer) as typeof w.d.engine,
    oracle: w.d.oracle,
    signer,
    prover: w.prover,
    artifacts: ACCOUNT_UPDATE_ARTIFACTS,
    store: w.store,
    keeper: { keeperId: w.keeper.keeperId, key: w.keeper.key.publicKey },
  });
}
