/**
 * A keeper's liquidation of one insolvent account: read the seizure market, the engine's rules and
 * the account's Dutch auction; below the keeper's `minBonusBps` flag the account (its auction starts)
 * and wait; else plan the partial or full liquidation (prover/src/liquidation/) at the auction's
 * factor, make sure the liquidator can pay (balance, allowance, approve), prove and send. Every
 * outcome is logged and reported.
 */
import type { AccountOpening } from "../account.js";
import type { TokenContract } from "../contracts.js";
import {
  planFlag,
  planLiquidation,
  readAuction,
  readLiquidationRules,
  readSeizureMarket,
  SolventAccountError,
  submitFlag,
  submitLiquidation,
  type Seizure,
} from "../liquidation/index.js";
import type { ChainView } from "../trader.js";
import type { DaemonCore } from "./core.js";
import type { TickReport } from "./report.js";
import { revertReason } from "./revert.js";

/**
 * Makes sure the liquidator holds and has approved what it must pay for `seizures` at `payment`
 * (seized settlement tokens are netted against it); returns the reason when it cannot.
 */
export async function ensurePayable(core: DaemonCore, account: string, payment: bigint, seizures: readonly Seizure[]): Promise<string | undefined> {
  const seizedQuote = seizures.filter((s) => s.index === core.c.settlementSlot).reduce((t, s) => t + s.amount, 0n);
  const owed = payment > seizedQuote ? payment - seizedQuote : 0n;
  if (owed === 0n) return undefined;
  const [balance, allowance] = await Promise.all([
    core.c.settlementToken.balanceOf(core.c.liquidator),
    (core.c.settlementToken.getFunction("allowance")(core.c.liquidator, core.c.engineAddress) as Promise<bigint>),
  ]);
  if (BigInt(balance) < owed) return `the liquidator ${core.c.liquidator} holds ${balance} of the settlement token and must pay ${owed}`;
  if (BigInt(allowance) < owed) {
    try {
      const token = core.c.settlementToken.connect(core.o.signer) as TokenContract;
      await (await token.approve(core.c.engineAddress, owed)).wait();
      core.emit("debug", "approve", `approved the engine for ${owed} settlement-token units`, { account, amount: owed });
    } catch (err) {
      return `approve: ${revertReason(err)}`;
    }
  }
  return undefined;
}

/**
 * Plans, pays for, proves and sends one liquidation; true when sent (or no longer possible), false
 * to retry (a failure, or waiting for the auction: `report.waiting` then names it).
 */
export async function liquidateAccount(core: DaemonCore, account: string, opening: AccountOpening, view: ChainView, report: TickReport): Promise<boolean> {
  const fail = (reason: string, action: "liquidate" | "flag" = "liquidate"): boolean => {
    report.failures.push({ account, action, reason });
    core.emit("warn", `${action === "flag" ? "flag" : "liquidation"}.failed`, `${action === "flag" ? "flag" : "liquidation"} failed: ${reason}`, { account, epoch: view.epoch });
    return false;
  };
  const market = await readSeizureMarket(core.c.oracle, core.c.settlementSlot);
  const rules = await readLiquidationRules(core.c.engine);
  const now = BigInt((await core.c.provider.getBlock("latest"))!.timestamp);
  const auction = await readAuction(core.c.engine, rules, account, now);
  if (auction.factor < core.o.minBonusBps) {
    // Auction timing: start the clock (a proof that seizes nothing), then wait for the bonus we ask.
    if (!auction.flagged) {
      try {
        const plan = planFlag(core.c.crypto.hx, { opening, view, liquidator: core.c.liquidator });
        const { receipt } = await submitFlag({ engine: core.c.engine, flagger: core.o.signer, prover: core.o.prover, artifacts: core.o.artifacts, account, epoch: view.epoch, plan });
        report.flagged.push({ account, txHash: receipt.hash, gasUsed: receipt.gasUsed });
        core.emit("info", "flag", `flagged: the Dutch auction starts (gas ${receipt.gasUsed})`, { account, epoch: view.epoch, txHash: receipt.hash, gasUsed: receipt.gasUsed });
      } catch (err) {
        if (err instanceof SolventAccountError) return true;
        return fail(revertReason(err, core.c.engine.interface), "flag");
      }
    }
    report.waiting.push({ account, factor: auction.factor, minBonusBps: core.o.minBonusBps });
    core.say("info", "auction.waiting", account, `waiting for the auction: bonus factor ${auction.factor} of ${core.o.minBonusBps} bps asked`, { factor: auction.factor });
    return false;
  }
  let plan;
  try {
    // The bid: the Dutch auction's factor now (it only rises, so the bid stays valid until it lands).
    plan = planLiquidation(core.c.crypto.hx, { opening, view, market, liquidator: core.c.liquidator, quoteDecimals: core.c.quoteDecimals, rules, bonusBps: auction.factor });
  } catch (err) {
    if (err instanceof SolventAccountError) {
      core.emit("info", "health", `healthy after all: ${err.message}`, { account });
      return true;
    }
    return fail(`cannot plan: ${(err as Error).message}`);
  }
  const unpayable = await ensurePayable(core, account, plan.payment, plan.seizures);
  if (unpayable !== undefined) return fail(unpayable);
  try {
    const { receipt, proveMs } = await submitLiquidation({
      engine: core.c.engine,
      liquidator: core.o.signer,
      prover: core.o.prover,
      artifacts: core.o.artifacts,
      account,
      epoch: view.epoch,
      plan,
    });
    report.liquidations.push({ account, txHash: receipt.hash, gasUsed: receipt.gasUsed, proveMs, payment: plan.payment, loss: plan.loss, seizures: plan.seizures, mode: plan.mode, closeBps: plan.closeBps, bonusBps: plan.bonusBps });
    const what = plan.mode === "partial" ? `partially liquidated (${plan.closeBps} bps closed)` : "liquidated (full close)";
    core.emit("info", "liquidation", `${what}: paid ${plan.payment} for ${plan.seizures.filter((s) => s.amount > 0n).map((s) => `${s.amount} of slot ${s.index}`).join(" and ") || "nothing"} (loss ${plan.loss}, bonus factor ${plan.bonusBps}), proof ${Math.round(proveMs)} ms, gas ${receipt.gasUsed}`, {
      account,
      epoch: view.epoch,
      txHash: receipt.hash,
      gasUsed: receipt.gasUsed,
      proveMs: Math.round(proveMs),
      mode: plan.mode,
      closeBps: plan.closeBps,
      bonusBps: plan.bonusBps,
      payment: plan.payment,
      loss: plan.loss,
      seizures: plan.seizures,
    });
    return true;
  } catch (err) {
    return fail(revertReason(err, core.c.engine.interface));
  }
}
