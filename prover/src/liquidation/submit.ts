/**
 * Liquidation on-chain: reading what a seizure costs (prices, decimals, bonuses), the engine's
 * liquidation constants and an account's auction, and proving a planned liquidation, flag or
 * frozen seizure off the main thread and sending it.
 */
import type { ContractTransactionReceipt, Signer } from "ethers";
import { packProof, proofTuple } from "../calldata.js";
import type { EngineContract, OracleContract } from "../contracts.js";
import type { SeizureQuote } from "../margin.js";
import type { CircuitArtifacts, Prover } from "../prover.js";
import { auctionFactor, type LiquidationPlan, type LiquidationRules, type SeizureMarket } from "./plan.js";
import type { Seizure } from "./witness.js";

/** Reads the seizure price (the asset's mark), decimals and liquidation bonus of every slot, as the engine does. */
export async function readSeizureMarket(oracle: OracleContract, settlementSlot: number): Promise<SeizureMarket> {
  const n = Number(await oracle.assetCount());
  const quotes: SeizureQuote[] = [];
  for (let i = 0; i < n; i++) {
    const [price, decimals, bonus] = await oracle.seizureQuote(i);
    quotes.push({ price: BigInt(price), decimals: Number(decimals), bonus: BigInt(bonus) });
  }
  const s = quotes[settlementSlot]!;
  return { quotes, settlement: { slot: settlementSlot, price: s.price, decimals: s.decimals } };
}

/** The engine's liquidation constants. */
export async function readLiquidationRules(engine: EngineContract): Promise<LiquidationRules> {
  const [targetHealthBps, auctionStartBps, auctionDuration] = await Promise.all([engine.targetHealthBps(), engine.auctionStartBps(), engine.auctionDuration()]);
  return { targetHealthBps: Number(targetHealthBps), auctionStartBps: Number(auctionStartBps), auctionDuration: BigInt(auctionDuration) };
}

/**
 * Where `account`'s Dutch auction stands at time `now`: flagged (a flag newer than its lease) and
 * since when, and the bonus factor (out of 10,000) a liquidation may bid now (the opening factor when
 * not flagged: the liquidation flags it as it goes).
 */
export async function readAuction(engine: EngineContract, rules: LiquidationRules, account: string, now: bigint): Promise<{ flagged: boolean; flaggedAt: bigint; factor: number }> {
  const [distress, acct] = await Promise.all([engine.distressOf(account), engine.accountOf(account)]);
  const flagged = BigInt(distress.flagEpoch) > BigInt(acct.leaseEpoch);
  const flaggedAt = flagged ? BigInt(distress.flaggedAt) : now;
  return { flagged, flaggedAt, factor: auctionFactor(rules, flaggedAt, now) };
}

/** The engine's `Seizure` struct from up to two seizures. */
export function seizureStruct(seizures: readonly Seizure[]): { indexA: number; amountA: bigint; indexB: number; amountB: bigint } {
  const [a, b] = [seizures[0] ?? { index: 0, amount: 0n }, seizures[1] ?? { index: 0, amount: 0n }];
  return { indexA: a.index, amountA: a.amount, indexB: b.index, amountB: b.amount };
}

async function sent(tx: { wait(): Promise<ContractTransactionReceipt | null> }, what: string): Promise<ContractTransactionReceipt> {
  const receipt = await tx.wait();
  if (receipt === null || receipt.status !== 1) throw new Error(`${what} failed`);
  return receipt;
}

/**
 * Proves a planned liquidation and sends it from `liquidator` (which must have approved `payment` to
 * the engine): `liquidate` for a full close, `liquidatePartial` (with the plan's closeBps and bid) for a partial one.
 */
export async function submitLiquidation(
  args: { engine: EngineContract; liquidator: Signer; prover: Prover; artifacts: CircuitArtifacts; account: string; epoch: bigint; plan: LiquidationPlan },
): Promise<{ receipt: ContractTransactionReceipt; proveMs: number }> {
  const out = await args.prover.prove(args.artifacts, args.plan.input);
  const engine = args.engine.connect(args.liquidator) as EngineContract;
  const proof = proofTuple(packProof(out.proof));
  const seizure = seizureStruct(args.plan.seizures);
  const tx = args.plan.mode === "full"
    ? await engine.liquidate(args.account, args.epoch, seizure, args.plan.remainderCommitment, proof)
    : await engine.liquidatePartial(args.account, args.epoch, args.plan.closeBps, args.plan.bonusBps, seizure, args.plan.remainderCommitment, proof);
  return { receipt: await sent(tx, `liquidation of ${args.account}`), proveMs: out.witnessMs + out.proveMs };
}

/** Proves a flag (`planFlag`) and sends `flagLiquidatable`: the account's auction starts. */
export async function submitFlag(
  args: { engine: EngineContract; flagger: Signer; prover: Prover; artifacts: CircuitArtifacts; account: string; epoch: bigint; plan: { input: Record<string, unknown>; remainderCommitment: bigint } },
): Promise<{ receipt: ContractTransactionReceipt; proveMs: number }> {
  const out = await args.prover.prove(args.artifacts, args.plan.input);
  const engine = args.engine.connect(args.flagger) as EngineContract;
  const tx = await engine.flagLiquidatable(args.account, args.epoch, args.plan.remainderCommitment, proofTuple(packProof(out.proof)));
  return { receipt: await sent(tx, `flag of ${args.account}`), proveMs: out.witnessMs + out.proveMs };
}

/** Proves a frozen account's seizure (`planFrozenSeizure`) and sends `seizeFrozen`. */
export async function submitFrozenSeizure(
  args: { engine: EngineContract; keeper: Signer; prover: Prover; artifacts: CircuitArtifacts; account: string; epoch: bigint; plan: { input: Record<string, unknown>; seizures: Seizure[]; remainderCommitment: bigint } },
): Promise<{ receipt: ContractTransactionReceipt; proveMs: number }> {
  const out = await args.prover.prove(args.artifacts, args.plan.input);
  const engine = args.engine.connect(args.keeper) as EngineContract;
  const tx = await engine.seizeFrozen(args.account, args.epoch, seizureStruct(args.plan.seizures), args.plan.remainderCommitment, proofTuple(packProof(out.proof)));
  return { receipt: await sent(tx, `seizure of ${args.account}`), proveMs: out.witnessMs + out.proveMs };
}
