/**
 * `node --import tsx scripts/benchFunding.ts`: the gas funding adds to each action, on an in-process
 * Hardhat network. Two engines on one oracle, both verifying with `AcceptingVerifier` (the verifier's gas
 * is left out of both), one whose market has no funding rule (cap 0: the engine's numbers before funding)
 * and one with funding on; the same sequence of actions on each, by the same kind of account.
 */
import { network } from "hardhat";
import type { Signer } from "ethers";
import type { TokenContract } from "../prover/src/contracts.js";
import { deployAcceptingEngine } from "../test/contracts/helpers.js";
import { table } from "./lib/format.js";
import { createWorld, nextEpoch } from "./lib/world.js";
import type { MarginEngine } from "../types/ethers-contracts/index.js";

const { ethers } = await network.create();
const w = await createWorld(ethers);
const signers = await ethers.getSigners();
const lp = signers[1]!;
const NOTE = { keeperId: 1n, ephemeralKey: [1n, 2n] as [bigint, bigint], ciphertext: [1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n, 9n] };
const PROOF = { a: [1n, 2n] as [bigint, bigint], b: [[3n, 4n], [5n, 6n]] as [[bigint, bigint], [bigint, bigint]], c: [7n, 8n] as [bigint, bigint] };
const e6 = 10n ** 6n;
const e18 = 10n ** 18n;
let commitment = 1_000n;

async function engineWith(funding: readonly [bigint, bigint, bigint]): Promise<MarginEngine> {
  return (await deployAcceptingEngine(ethers, w, { lp, liquidity: 1_000_000n * e6 }, funding)).engine;
}

async function deposit(engine: MarginEngine, who: Signer): Promise<void> {
  const usdc = w.d.tokens[0]!.connect(who) as TokenContract;
  await (await usdc.mint(await who.getAddress(), 100_000n * e6)).wait();
  await (await usdc.approve(await engine.getAddress(), 100_000n * e6)).wait();
  await (await engine.connect(who).deposit(0, 100_000n * e6, await w.d.oracle.currentEpoch(), ++commitment, NOTE, PROOF)).wait();
}

const gas = async (tx: Promise<{ wait(): Promise<{ gasUsed: bigint } | null> }>): Promise<bigint> => (await (await tx).wait())!.gasUsed;

/** The sequence, on `engine` with traders `a` (long) and `b` (short); gas per step label. */
async function run(engine: MarginEngine, a: Signer, b: Signer): Promise<Map<string, bigint>> {
  const out = new Map<string, bigint>();
  const epoch = async (): Promise<bigint> => w.d.oracle.currentEpoch();
  await deposit(engine, a);
  await deposit(engine, b);
  out.set("open (first position in the market)", await gas(engine.connect(a).trade(0, 10n * e18, await epoch(), ++commitment, NOTE, PROOF)));
  out.set("open (other side)", await gas(engine.connect(b).trade(0, -4n * e18, await epoch(), ++commitment, NOTE, PROOF)));
  out.set("grow (same grid step)", await gas(engine.connect(a).trade(0, 1n * e18, await epoch(), ++commitment, NOTE, PROOF)));
  await nextEpoch(w);
  out.set("renewLease (first touch of a new step)", await gas(engine.connect(a).renewLease(await epoch(), ++commitment, NOTE, PROOF)));
  out.set("renewLease (same step, receives)", await gas(engine.connect(b).renewLease(await epoch(), ++commitment, NOTE, PROOF)));
  await nextEpoch(w);
  out.set("reduce (first touch of a new step)", await gas(engine.connect(a).trade(0, -2n * e18, await epoch(), ++commitment, NOTE, PROOF)));
  out.set("withdraw (funding counted, not realised)", await gas(engine.connect(b).withdraw(0, 1n * e6, await epoch(), ++commitment, NOTE, PROOF)));
  out.set("close", await gas(engine.connect(b).trade(0, 4n * e18, await epoch(), ++commitment, NOTE, PROOF)));
  out.set("re-open (slots already used)", await gas(engine.connect(b).trade(0, -1n * e18, await epoch(), ++commitment, NOTE, PROOF)));
  return out;
}

const off = await engineWith([0n, 0n, 0n]);
const on = await engineWith([10n ** 15n, 10n ** 15n, 100_000n]);
const [a1, b1, a2, b2] = signers.slice(2, 6) as unknown as [Signer, Signer, Signer, Signer];
const gasOff = await run(off, a1, b1);
const gasOn = await run(on, a2, b2);
const rows = [...gasOff.keys()].map((k) => [k, gasOff.get(k)!.toLocaleString("en-US"), gasOn.get(k)!.toLocaleString("en-US"), `+${(gasOn.get(k)! - gasOff.get(k)!).toLocaleString("en-US")}`]);
console.log(table(["Action (accepting verifier)", "funding off", "funding on", "delta"], rows));
await w.prover.close();
