/**
 * The liquidator's side: given an account's opening (decrypted from its keeper ciphertext), decide
 * whether it is insolvent at the current epoch, choose what to seize within the oracle's bonus rule,
 * prove insolvency off the main thread and submit the liquidation. Also the owner's view of a
 * liquidation: the remainder opening it recomputes from its old opening and the public seizure.
 */
import type { ContractTransactionReceipt, Signer } from "ethers";
import { packProof, proofTuple } from "./calldata.js";
import type { EngineContract, OracleContract } from "./contracts.js";
import type { AccountOpening } from "./account.js";
import { accountRequirement, realisedPnl, seizurePayment, type SeizureQuote } from "./margin.js";
import { buildInsolvencyInput, type Seizure } from "./liquidation/witness.js";
import type { SyncPoseidon } from "./poseidon.js";
import type { CircuitArtifacts, Prover } from "./prover.js";
import type { ChainView } from "./trader.js";

/** Value of a basket at a weight vector (1e-30 USD). */
export function basketValue(amounts: readonly bigint[], weights: readonly bigint[]): bigint {
  return amounts.reduce((sum, a, i) => sum + a * weights[i]!, 0n);
}

/** What the oracle says about each collateral slot and the settlement token, for a seizure. */
export interface SeizureMarket {
  quotes: SeizureQuote[];
  settlement: { slot: number; price: bigint; decimals: number };
}

/** Reads prices, decimals and liquidation bonuses of every slot. */
export async function readSeizureMarket(oracle: OracleContract, settlementSlot: number): Promise<SeizureMarket> {
  const n = Number(await oracle.assetCount());
  const quotes: SeizureQuote[] = [];
  for (let i = 0; i < n; i++) {
    const [[, decimals], price, bonus] = await Promise.all([oracle.asset(i), oracle.price(i), oracle.liquidationBonus(i)]);
    quotes.push({ price: BigInt(price), decimals: Number(decimals), bonus: BigInt(bonus) });
  }
  const s = quotes[settlementSlot]!;
  return { quotes, settlement: { slot: settlementSlot, price: s.price, decimals: s.decimals } };
}

/** Total realised PnL (settlement base units) of closing every position at the view's marks. */
export function closeOutPnl(view: ChainView, quoteDecimals: number): bigint {
  let total = 0n;
  for (const [j, p] of view.positions) total += realisedPnl(p.size, p.entryPrice, view.markets[j]!.mark, quoteDecimals);
  return total;
}

/**
 * The largest seizure (at most two slots, most valuable first) whose payment does not exceed `loss`:
 * for each slot, the largest amount with payment <= remaining loss (binary search: payment is
 * monotone in the amount).
 */
export function chooseSeizures(amounts: readonly bigint[], market: SeizureMarket, loss: bigint): Seizure[] {
  if (loss <= 0n) return [];
  const order = amounts
    .map((amount, index) => ({ index, amount, value: amount * (market.quotes[index]?.price ?? 0n) * 10n ** BigInt(22 - (market.quotes[index]?.decimals ?? 0)) }))
    .filter((s) => s.amount > 0n && market.quotes[s.index] !== undefined)
    .sort((a, b) => (b.value > a.value ? 1 : b.value < a.value ? -1 : 0));
  const out: Seizure[] = [];
  let paid: Array<{ amount: bigint; quote: SeizureQuote }> = [];
  for (const s of order) {
    if (out.length === 2) break;
    const quote = market.quotes[s.index]!;
    const before = seizurePayment(paid, market.settlement);
    if (before === loss) break; // the loss is covered: a second asset would only add a transfer
    const fits = (x: bigint): boolean => seizurePayment([...paid, { amount: x, quote }], market.settlement) <= loss;
    if (!fits(1n)) continue;
    let lo = 1n;
    let hi = s.amount;
    while (lo < hi) {
      const mid = (lo + hi + 1n) / 2n;
      if (fits(mid)) lo = mid;
      else hi = mid - 1n;
    }
    // Dust that does not raise the payment by a single settlement unit is not worth a transfer.
    if (seizurePayment([...paid, { amount: lo, quote }], market.settlement) === before) continue;
    out.push({ index: s.index, amount: lo });
    paid = [...paid, { amount: lo, quote }];
  }
  return out;
}

/** A planned liquidation: the proof input and what the engine will be sent. */
export interface LiquidationPlan {
  input: Record<string, unknown>;
  seizures: Seizure[];
  remainderCommitment: bigint;
  requirement: bigint;
  value: bigint;
  loss: bigint;
  payment: bigint;
}

/**
 * Plans the liquidation of `opening` at `view`'s epoch by `liquidator`.
 * @throws SolventAccountError when the basket covers the maintenance requirement (no proof exists).
 */
export function planLiquidation(
  h: SyncPoseidon,
  args: { opening: AccountOpening; view: ChainView; market: SeizureMarket; liquidator: string; quoteDecimals: number },
): LiquidationPlan {
  const { opening, view, market } = args;
  const requirement = accountRequirement(view.positions, view.markets, false);
  const pnl = closeOutPnl(view, args.quoteDecimals);
  const loss = pnl < 0n ? -pnl : 0n;
  const seizures = chooseSeizures(opening.amounts, market, loss);
  const w = buildInsolvencyInput(h, { opening, weights: view.maintenanceWeights, requirement, seizures, liquidator: BigInt(args.liquidator) });
  const payment = seizurePayment(seizures.map((s) => ({ amount: s.amount, quote: market.quotes[s.index]! })), market.settlement);
  return {
    input: w.input as unknown as Record<string, unknown>,
    seizures,
    remainderCommitment: w.publicSignals.remainderCommitment,
    requirement,
    value: basketValue(opening.amounts, view.maintenanceWeights),
    loss,
    payment,
  };
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
