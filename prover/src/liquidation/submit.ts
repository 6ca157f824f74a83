/**
 * Liquidation on-chain: reading what a seizure costs (prices, decimals, bonuses), and proving a
 * planned liquidation off the main thread and sending it.
 */
import type { ContractTransactionReceipt, Signer } from "ethers";
import { packProof, proofTuple } from "../calldata.js";
import type { EngineContract, OracleContract } from "../contracts.js";
import type { SeizureQuote } from "../margin.js";
import type { CircuitArtifacts, Prover } from "../prover.js";
import type { LiquidationPlan, SeizureMarket } from "./plan.js";
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

/** The engine's `Seizure` struct from up to two seizures. */
export function seizureStruct(seizures: readonly Seizure[]): { indexA: number; amountA: bigint; indexB: number; amountB: bigint } {
  const [a, b] = [seizures[0] ?? { index: 0, amount: 0n }, seizures[1] ?? { index: 0, amount: 0n }];
  return { indexA: a.index, amountA: a.amount, indexB: b.index, amountB: b.amount };
}

/** Proves a planned liquidation and sends it from `liquidator` (which must have approved `payment` to the engine). */
export async function submitLiquidation(
  args: { engine: EngineContract; liquidator: Signer; prover: Prover; artifacts: CircuitArtifacts; account: string; epoch: bigint; plan: LiquidationPlan },
): Promise<{ receipt: ContractTransactionReceipt; proveMs: number }> {
  const out = await args.prover.prove(args.artifacts, args.plan.input);
  const engine = args.engine.connect(args.liquidator) as EngineContract;
  const tx = await engine.liquidate(args.account, args.epoch, seizureStruct(args.plan.seizures), args.plan.remainderCommitment, proofTuple(packProof(out.proof)));
  const receipt = await tx.wait();
  if (receipt === null || receipt.status !== 1) throw new Error(`liquidation of ${args.account} failed`);
  return { receipt, proveMs: out.witnessMs + out.proveMs };
}
