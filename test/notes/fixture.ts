/**
 * Deployment of the shielded pool for its suites and its benchmark: three test tokens behind a mock
 * of the oracle's two asset views, poseidon-solidity's PoseidonT3 (its published bytecode: the
 * viaIR build of the library is over the 24 KB limit), the generated verifiers and the pool, linked,
 * bound to a test custody (`NoteCustodyHarness`) in place of the margin engine.
 */
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import type { Signer } from "ethers";
import { deployPoseidonT3, poseidonT3Bytecode, poseidonT3LibraryName } from "../../scripts/lib/poseidonContracts.js";
import type { NoteTestToken, ShieldedPool } from "../../types/ethers-contracts/index.js";

export { deployPoseidonT3, poseidonT3Bytecode, poseidonT3LibraryName };

export interface PoolWorld {
  pool: ShieldedPool;
  /** The test custody the pool is bound to (holds the shielded tokens). */
  custody: string;
  tokens: NoteTestToken[];
  poseidonT3: string;
  deployer: Signer;
}

/** Tokens, asset slots, verifiers, the pool. */
export async function deployPool(ethers: HardhatEthers, opts: { joinSplitVerifier?: string; batchVerifier?: string } = {}): Promise<PoolWorld> {
  const [deployer] = await ethers.getSigners();
  const tokens: NoteTestToken[] = [];
  for (const [name, dec] of [["USD Coin", 6], ["Wrapped Ether", 18], ["Wrapped Bitcoin", 8]] as const) {
    tokens.push((await ethers.deployContract("NoteTestToken", [name, name.slice(0, 4).toUpperCase(), dec])) as unknown as NoteTestToken);
  }
  const slots = await ethers.deployContract("NoteAssetSlotsMock", [await Promise.all(tokens.map((t) => t.getAddress()))]);
  const poseidonT3 = await deployPoseidonT3(deployer!);
  const jsv = opts.joinSplitVerifier ?? (await (await ethers.deployContract("NoteJoinSplitVerifier")).getAddress());
  const bv = opts.batchVerifier ?? (await (await ethers.deployContract("NoteBatchInsertVerifier")).getAddress());
  const factory = await ethers.getContractFactory("ShieldedPool", { libraries: { [poseidonT3LibraryName()]: poseidonT3 } });
  const pool = (await factory.deploy(await slots.getAddress(), jsv, bv)) as unknown as ShieldedPool;
  await pool.waitForDeployment();
  const custody = await (await ethers.deployContract("NoteCustodyHarness", [await pool.getAddress()])).getAddress();
  return { pool, custody, tokens, poseidonT3, deployer: deployer! };
}

/** Mints `amount` of `token` to `who` and approves the pool. */
export async function fundShielder(w: PoolWorld, slot: number, who: Signer, amount: bigint): Promise<void> {
  const t = w.tokens[slot]!.connect(who);
  await (await t.mint(await who.getAddress(), amount)).wait();
  await (await t.approve(await w.pool.getAddress(), amount)).wait();
}
