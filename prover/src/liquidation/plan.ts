/**
 * Liquidation planning, for the liquidator: given an account's opening (decrypted from its keeper
 * note), decide whether it is insolvent at the view's epoch, whether a partial liquidation restores
 * it or only a full close is allowed, and choose what to close and seize within the engine's rules:
 * the insolvency circuit's input, the seizures, the remainder commitment and the payment. Pure: no
 * chain access (`readSeizureMarket` and the submit functions in submit.ts do that).
 *
 * The rules are the engine's (contracts/engine/Liquidation.sol), bit for bit:
 * - full close only when the basket's maintenance value is below `closeOutRequirement` (half the
 *   maintenance margin plus the unrealised loss and funding owed);
 * - every close realises the whole position's funding (`funding` in margin.ts) with its PnL;
 * - otherwise a partial close of `closeBps` / 10,000 of every position whose remainder is worth at
 *   least the target requirement of what stays open and less than its initial requirement, with a
 *   payment at most the closed loss plus the closed part's maintenance margin;
 * - the payment is priced at the liquidator's bid on the Dutch auction (`auctionFactor`).
 */
import type { AccountOpening } from "../account.js";
import { accountRequirement, funding, fundingLoss, positionRequirement, realisedPnl, seizurePayment, type MarketQuote, type PositionState, type SeizureQuote } from "../margin.js";
import type { SyncPoseidon } from "../poseidon.js";
import type { ChainView } from "../trader.js";
import { WitnessInputError } from "../validate.js";
import { buildInsolvencyInput, NO_CAP, SolventAccountError, type Seizure } from "./witness.js";

/** Basis points: the unit of closeBps, bonus factors and the target health (the engine's BPS). */
const BPS = 10_000n;

/** Value of a basket at a weight vector (1e-30 USD). */
export function basketValue(amounts: readonly bigint[], weights: readonly bigint[]): bigint {
  return amounts.reduce((sum, a, i) => sum + a * weights[i]!, 0n);
}

/** What the oracle says about each collateral slot and the settlement token, for a seizure. */
export interface SeizureMarket {
  quotes: SeizureQuote[];
  settlement: { slot: number; price: bigint; decimals: number };
}

/** The engine's liquidation constants (its immutables of the same names). */
export interface LiquidationRules {
  targetHealthBps: number;
  auctionStartBps: number;
  auctionDuration: bigint;
}

/** Total realised PnL less funding owed (settlement base units) of closing every position at the view's marks. */
export function closeOutPnl(view: ChainView, quoteDecimals: number): bigint {
  let total = 0n;
  for (const [j, p] of view.positions) {
    const m = view.markets[j]!;
    total += realisedPnl(p.size, p.entryPrice, m.mark, quoteDecimals) - funding(p.size, p.fundingIndex ?? 0n, m.fundingIndex ?? 0n, quoteDecimals);
  }
  return total;
}

/** The full-close threshold: half the maintenance margin plus the unrealised loss (the engine's `closeOutRequirement`). */
export function closeOutRequirement(positions: ReadonlyMap<number, PositionState>, markets: readonly MarketQuote[]): bigint {
  let total = 0n;
  for (const [j, p] of positions) {
    if (p.size === 0n) continue;
    const m = markets[j]!;
    total += positionRequirement(p.size, p.entryPrice, m.mark, m.mmRatio / 2n) + fundingLoss(p.size, p.fundingIndex ?? 0n, m.fundingIndex ?? 0n);
  }
  return total;
}

/** The target requirement (ratio mm + targetHealthBps (im - mm), rounded up) and the initial requirement of `positions`. */
export function restoreBounds(positions: ReadonlyMap<number, PositionState>, markets: readonly MarketQuote[], targetHealthBps: number): { target: bigint; cap: bigint } {
  let target = 0n;
  let cap = 0n;
  for (const [j, p] of positions) {
    if (p.size === 0n) continue;
    const m = markets[j]!;
    const ratio = m.mmRatio + ((m.imRatio - m.mmRatio) * BigInt(targetHealthBps) + BPS - 1n) / BPS;
    target += positionRequirement(p.size, p.entryPrice, m.mark, ratio);
    cap += positionRequirement(p.size, p.entryPrice, m.mark, m.imRatio);
  }
  return { target, cap };
}

/** What closing `closeBps` / 10,000 of every position leaves (the engine's `closePart`: the closed size truncates toward 0). */
export function closePart(
  positions: ReadonlyMap<number, PositionState>,
  markets: readonly MarketQuote[],
  closeBps: number,
  quoteDecimals: number,
  settlement: { price: bigint; decimals: number },
): { remaining: Map<number, PositionState>; pnl: bigint; closedMargin: bigint } {
  const remaining = new Map<number, PositionState>();
  let pnl = 0n;
  let marginValue = 0n;
  for (const [j, p] of positions) {
    if (p.size === 0n) continue;
    const m = markets[j]!;
    const closed = (p.size * BigInt(closeBps)) / BPS; // BigInt division truncates toward 0, as Solidity's
    const size = p.size - closed;
    pnl += realisedPnl(closed, p.entryPrice, m.mark, quoteDecimals) - funding(p.size, p.fundingIndex ?? 0n, m.fundingIndex ?? 0n, quoteDecimals);
    marginValue += positionRequirement(closed, m.mark, m.mark, m.mmRatio);
    if (size !== 0n) remaining.set(j, { size, entryPrice: p.entryPrice, fundingIndex: m.fundingIndex ?? 0n });
  }
  const unit = settlement.price * 10n ** BigInt(22 - settlement.decimals);
  return { remaining, pnl, closedMargin: marginValue / unit };
}

/** The Dutch auction's factor (out of 10,000) of the oracle's bonus `now - start` seconds in (the engine's `auctionFactor`). */
export function auctionFactor(rules: LiquidationRules, start: bigint, now: bigint): number {
  const elapsed = now > start ? now - start : 0n;
  if (elapsed >= rules.auctionDuration) return Number(BPS);
  return rules.auctionStartBps + Number(((BPS - BigInt(rules.auctionStartBps)) * elapsed) / rules.auctionDuration);
}

/** The seizure market with every bonus at `factor` / 10,000 of the oracle's (rounded down, as the engine). */
export function atBonusFactor(market: SeizureMarket, factor: number): SeizureMarket {
  return { ...market, quotes: market.quotes.map((q) => ({ ...q, bonus: (q.bonus * BigInt(factor)) / BPS })) };
}

const paymentFor = (seizures: readonly Seizure[], market: SeizureMarket): bigint =>
  seizurePayment(seizures.map((s) => ({ amount: s.amount, quote: market.quotes[s.index]! })), market.settlement);

/**
 * The largest seizure (at most two slots, most valuable first) whose payment does not exceed `loss`:
 * for each slot, the largest amount with payment <= remaining loss (binary search: payment is
 * monotone in the amount).
 */
export function chooseSeizures(amounts: readonly bigint[], market: SeizureMarket, loss: bigint): Seizure[] {
  if (loss <= 0n) return [];
  const order = byValue(amounts, market);
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

function byValue(amounts: readonly bigint[], market: SeizureMarket): Array<{ index: number; amount: bigint }> {
  return amounts
    .map((amount, index) => ({ index, amount, value: amount * (market.quotes[index]?.price ?? 0n) * 10n ** BigInt(22 - (market.quotes[index]?.decimals ?? 0)) }))
    .filter((s) => s.amount > 0n && market.quotes[s.index] !== undefined)
    .sort((a, b) => (b.value > a.value ? 1 : b.value < a.value ? -1 : 0));
}

/** A planned liquidation: the proof input and what the engine will be sent. */
export interface LiquidationPlan {
  /** "full": `liquidate`; "partial": `liquidatePartial` with `closeBps` and `bonusBps`. */
  mode: "full" | "partial";
  input: Record<string, unknown>;
  seizures: Seizure[];
  remainderCommitment: bigint;
  /** The remainder's opening (what the keeper and the owner hold after the liquidation). */
  remainder: AccountOpening;
  /** The requirement the proof shows the basket below: closeOutRequirement (full) or maintenance (partial). */
  requirement: bigint;
  value: bigint;
  /** The realised loss of what closes (0 for a profit). */
  loss: bigint;
  payment: bigint;
  /** Partial: the part of every position closed (out of 10,000); full: 10,000. */
  closeBps: number;
  /** The bonus factor (out of 10,000 of the oracle's) the payment is priced at. */
  bonusBps: number;
  /** Partial: the settlement slot's change (realised PnL + payment); full: 0. */
  delta: bigint;
}

/** What a partial close of `closeBps` gives: the seizure, the delta and the remainder's value against the bounds. */
interface PartialTry {
  closeBps: number;
  seizures: Seizure[];
  pnl: bigint;
  payment: bigint;
  delta: bigint;
  target: bigint;
  cap: bigint;
  after: bigint;
  feasible: boolean;
}

function tryPartial(opening: AccountOpening, view: ChainView, market: SeizureMarket, rules: LiquidationRules, quoteDecimals: number, closeBps: number): PartialTry {
  const settle = market.settlement.slot;
  const { remaining, pnl, closedMargin } = closePart(view.positions, view.markets, closeBps, quoteDecimals, market.settlement);
  const { target, cap } = restoreBounds(remaining, view.markets, rules.targetHealthBps);
  const loss = pnl < 0n ? -pnl : 0n;
  const bound = loss + closedMargin;
  // Seize the most valuable other asset to cover the closed loss; the settlement slot takes the rest.
  const other = byValue(opening.amounts, market).find((s) => s.index !== settle);
  const indexA = other?.index ?? (settle + 1) % opening.amounts.length;
  const held = other?.amount ?? 0n;
  const pay = (x: bigint): bigint => paymentFor([{ index: indexA, amount: x }], market);
  let amountA = 0n;
  if (loss > 0n && held > 0n) {
    // The least amount that pays the loss, or all of it.
    let lo = 0n;
    let hi = held;
    while (lo < hi) {
      const mid = (lo + hi) / 2n;
      if (pay(mid) >= loss) hi = mid;
      else lo = mid + 1n;
    }
    amountA = lo;
    // One unit less, when the basket's settlement tokens cover the rest: no surplus to credit.
    if (amountA > 0n && pay(amountA) > loss && opening.amounts[settle]! + pnl + pay(amountA - 1n) >= 0n) amountA -= 1n;
  }
  const payment = pay(amountA);
  const delta = pnl + payment;
  const seizures: Seizure[] = [{ index: indexA, amount: amountA }, { index: settle, amount: 0n }];
  const remainder = [...opening.amounts];
  remainder[indexA] = remainder[indexA]! - amountA;
  remainder[settle] = remainder[settle]! + delta;
  const after = remainder[settle]! < 0n ? -1n : basketValue(remainder, view.maintenanceWeights);
  return { closeBps, seizures, pnl, payment, delta, target, cap, after, feasible: remainder[settle]! >= 0n && payment <= bound && after >= target && after < cap };
}

/**
 * Plans the liquidation of `opening` at `view`'s epoch by `liquidator`, bidding `bonusBps` (out of
 * 10,000) of the oracle's bonus: a full close when the engine allows only that, else the smallest
 * partial close (in basis points) that restores the target.
 * @throws SolventAccountError when the basket covers the maintenance requirement (no proof exists).
 * @throws WitnessInputError ("closeBps") when no partial close in (0, 10,000) restores the account.
 */
export function planLiquidation(
  h: SyncPoseidon,
  args: { opening: AccountOpening; view: ChainView; market: SeizureMarket; liquidator: string; quoteDecimals: number; rules: LiquidationRules; bonusBps: number },
): LiquidationPlan {
  const { opening, view, rules, quoteDecimals } = args;
  const market = atBonusFactor(args.market, args.bonusBps);
  const value = basketValue(opening.amounts, view.maintenanceWeights);
  const maintenance = accountRequirement(view.positions, view.markets, false);
  if (value >= maintenance) throw new SolventAccountError(value, maintenance);
  const liquidator = BigInt(args.liquidator);

  const fullAt = closeOutRequirement(view.positions, view.markets);
  if (value < fullAt) {
    const pnl = closeOutPnl(view, quoteDecimals);
    const loss = pnl < 0n ? -pnl : 0n;
    const seizures = chooseSeizures(opening.amounts, market, loss);
    const w = buildInsolvencyInput(h, { opening, weights: view.maintenanceWeights, requirement: fullAt, seizures, liquidator });
    return {
      mode: "full", input: w.input as unknown as Record<string, unknown>, seizures, remainderCommitment: w.publicSignals.remainderCommitment, remainder: w.remainder,
      requirement: fullAt, value, loss, payment: paymentFor(seizures, market), closeBps: Number(BPS), bonusBps: args.bonusBps, delta: 0n,
    };
  }

  // after - target grows with closeBps: the least closeBps that reaches the target, then check the cap.
  let lo = 1;
  let hi = Number(BPS) - 1;
  if (!(tryPartial(opening, view, market, rules, quoteDecimals, hi).after >= tryPartial(opening, view, market, rules, quoteDecimals, hi).target)) {
    throw new WitnessInputError("closeBps", `no partial close restores the account (value ${value}, close-out threshold ${fullAt})`);
  }
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    const t = tryPartial(opening, view, market, rules, quoteDecimals, mid);
    if (t.after >= t.target) hi = mid;
    else lo = mid + 1;
  }
  let best: PartialTry | undefined;
  for (let bps = lo; bps < Math.min(Number(BPS), lo + 50); bps++) {
    const t = tryPartial(opening, view, market, rules, quoteDecimals, bps);
    if (t.feasible) {
      best = t;
      break;
    }
  }
  if (best === undefined) throw new WitnessInputError("closeBps", `no partial close from ${lo} bps restores the account within the cap`);
  const w = buildInsolvencyInput(h, {
    opening, weights: view.maintenanceWeights, requirement: maintenance, seizures: best.seizures, liquidator,
    restore: { target: best.target, delta: best.delta, cap: best.cap },
  });
  return {
    mode: "partial", input: w.input as unknown as Record<string, unknown>, seizures: best.seizures, remainderCommitment: w.publicSignals.remainderCommitment, remainder: w.remainder,
    requirement: maintenance, value, loss: best.pnl < 0n ? -best.pnl : 0n, payment: best.payment, closeBps: best.closeBps, bonusBps: args.bonusBps, delta: best.delta,
  };
}

/** A proof that flags an account (nothing seized): the Dutch auction's clock starts. */
export function planFlag(h: SyncPoseidon, args: { opening: AccountOpening; view: ChainView; liquidator: string }): { input: Record<string, unknown>; remainderCommitment: bigint } {
  const requirement = accountRequirement(args.view.positions, args.view.markets, false);
  const w = buildInsolvencyInput(h, { opening: args.opening, weights: args.view.maintenanceWeights, requirement, seizures: [], liquidator: BigInt(args.liquidator) });
  return { input: w.input as unknown as Record<string, unknown>, remainderCommitment: w.publicSignals.remainderCommitment };
}

/**
 * The seizure of a frozen account's basket against its `debt` (settlement base units): the largest
 * seizure whose payment, at the auction's factor `bonusBps`, does not exceed the debt.
 */
export function planFrozenSeizure(
  h: SyncPoseidon,
  args: { opening: AccountOpening; weights: readonly bigint[]; market: SeizureMarket; debt: bigint; liquidator: string; bonusBps: number },
): { input: Record<string, unknown>; seizures: Seizure[]; remainderCommitment: bigint; remainder: AccountOpening; payment: bigint } {
  const market = atBonusFactor(args.market, args.bonusBps);
  const seizures = chooseSeizures(args.opening.amounts, market, args.debt);
  const w = buildInsolvencyInput(h, { opening: args.opening, weights: args.weights, requirement: NO_CAP, seizures, liquidator: BigInt(args.liquidator) });
  return { input: w.input as unknown as Record<string, unknown>, seizures, remainderCommitment: w.publicSignals.remainderCommitment, remainder: w.remainder, payment: paymentFor(seizures, market) };
}
