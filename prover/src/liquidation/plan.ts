/**
 * Liquidation planning, for the liquidator: given an account's opening (decrypted from its keeper
 * note), decide whether it is insolvent at the view's epoch and choose what to seize within the
 * oracle's bonus rule: the insolvency circuit's input, the seizures, the remainder commitment and
 * the payment. Pure: no chain access (`readSeizureMarket` and `submitLiquidation` in submit.ts do
 * that).
 */
import type { AccountOpening } from "../account.js";
import { accountRequirement, realisedPnl, seizurePayment, type SeizureQuote } from "../margin.js";
import type { SyncPoseidon } from "../poseidon.js";
import type { ChainView } from "../trader.js";
import { buildInsolvencyInput, type Seizure } from "./witness.js";

/** Value of a basket at a weight vector (1e-30 USD). */
export function basketValue(amounts: readonly bigint[], weights: readonly bigint[]): bigint {
  return amounts.reduce((sum, a, i) => sum + a * weights[i]!, 0n);
}

/** What the oracle says about each collateral slot and the settlement token, for a seizure. */
export interface SeizureMarket {
  quotes: SeizureQuote[];
  settlement: { slot: number; price: bigint; decimals: number };
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

