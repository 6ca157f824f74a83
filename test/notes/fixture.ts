/**
 * Deployment of the shielded pool for its suites and its benchmark: three test tokens behind a mock
 * of the oracle's two asset views, poseidon-solidity's PoseidonT3 (its published bytecode: the
 * viaIR build of the library is over the 24 KB limit), the generated verifiers and the pool, linked.
 */
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import { ContractFactory, type Signer } from "ethers";
import { createRequire } from "node:module";
import type { NoteTestToken, ShieldedPool } from "../../types/ethers-contracts/index.js";

const require = createRequire(import.meta.url);

/** The fully qualified name Hardhat gives the PoseidonT3 library the pool links to. */
export function poseidonT3LibraryName(): string {
  const { version } = require("poseidon-solidity/package.json") as { version: string };
  return `npm/poseidon-solidity@${version}/PoseidonT3.sol:PoseidonT3`;
}

/** poseidon-solidity's published deployment data of PoseidonT3 (creation bytecode). */
export function poseidonT3Bytecode(): string {
  return (require("poseidon-solidity") as { PoseidonT3: { bytecode: string } }).PoseidonT3.bytecode;
}

export interface PoolWorld {
  pool: ShieldedPool;
  tokens: NoteTestToken[];
  poseidonT3: string;
  deployer: Signer;
}

/** Deploys PoseidonT3 from poseidon-solidity's bytecode; returns its address. */
export async function deployPoseidonT3(deployer: Signer): Promise<string> {
  const f = new ContractFactory([], poseidonT3Bytecode(), deployer);
  const c = await f.deploy();
  await c.waitForDeployment();
  return c.getAddress();
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
  return { pool, tokens, poseidonT3, deployer: deployer! };
}

/** Mints `amount` of `token` to `who` and approves the pool. */
export async function fundShielder(w: PoolWorld, slot: number, who: Signer, amount: bigint): Promise<void> {
  const t = w.tokens[slot]!.connect(who);
  await (await t.mint(await who.getAddress(), amount)).wait();
  await (await t.approve(await w.pool.getAddress(), amount)).wait();
}
