/**
 * A keeper's liquidation of one insolvent account: read the seizure market, plan the seizure
 * (prover/src/liquidation/), make sure the liquidator can pay (balance, allowance, approve), prove
 * and send. Every outcome is logged and reported.
 */
import type { AccountOpening } from "../account.js";
import type { TokenContract } from "../contracts.js";
import { planLiquidation, readAuction, readLiquidationRules, readSeizureMarket, SolventAccountError, submitLiquidation } from "../liquidation/index.js";
import type { ChainView } from "../trader.js";
import type { DaemonCore } from "./core.js";
import type { TickReport } from "./report.js";
import { revertReason } from "./revert.js";

/** Plans, pays for, proves and sends one liquidation; true when sent (or no longer possible). */
export async function liquidateAccount(core: DaemonCore, account: string, opening: AccountOpening, view: ChainView, report: TickReport): Promise<boolean> {
  const fail = (reason: string): boolean => {
    report.failures.push({ account, action: "liquidate", reason });
    core.emit("warn", "liquidation.failed", `liquidation failed: ${reason}`, { account, epoch: view.epoch });
    return false;
  };
  const market = await readSeizureMarket(core.c.oracle, core.c.settlementSlot);
  const rules = await readLiquidationRules(core.c.engine);
  const now = BigInt((await core.c.provider.getBlock("latest"))!.timestamp);
  // The bid: the Dutch auction's factor now (it only rises, so the bid stays valid until it lands).
  const auction = await readAuction(core.c.engine, rules, account, now);
  let plan;
  try {
    plan = planLiquidation(core.c.crypto.hx, { opening, view, market, liquidator: core.c.liquidator, quoteDecimals: core.c.quoteDecimals, rules, bonusBps: auction.factor });
  } catch (err) {
    if (err instanceof SolventAccountError) {
      core.emit("info", "health", `healthy after all: ${err.message}`, { account });
      return true;
    }
    return fail(`cannot plan: ${(err as Error).message}`);
  }
  // Seized settlement tokens pay the pool from custody first; the liquidator pays the rest.
  const seizedQuote = plan.seizures.filter((s) => s.index === core.c.settlementSlot).reduce((t, s) => t + s.amount, 0n);
  const owed = plan.payment > seizedQuote ? plan.payment - seizedQuote : 0n;
  if (owed > 0n) {
    const [balance, allowance] = await Promise.all([
      core.c.settlementToken.balanceOf(core.c.liquidator),
      (core.c.settlementToken.getFunction("allowance")(core.c.liquidator, core.c.engineAddress) as Promise<bigint>),
    ]);
    if (BigInt(balance) < owed) return fail(`the liquidator ${core.c.liquidator} holds ${balance} of the settlement token and must pay ${owed}`);
    if (BigInt(allowance) < owed) {
      try {
        const token = core.c.settlementToken.connect(core.o.signer) as TokenContract;
        await (await token.approve(core.c.engineAddress, owed)).wait();
        core.emit("debug", "approve", `approved the engine for ${owed} settlement-token units`, { account, amount: owed });
      } catch (err) {
        return fail(`approve: ${revertReason(err)}`);
      }
    }
  }
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
    report.liquidations.push({ account, txHash: receipt.hash, gasUsed: receipt.gasUsed, proveMs, payment: plan.payment, loss: plan.loss, seizures: plan.seizures });
    core.emit("info", "liquidation", `liquidated: paid ${plan.payment} for ${plan.seizures.map((s) => `${s.amount} of slot ${s.index}`).join(" and ") || "nothing"} (loss ${plan.loss}), proof ${Math.round(proveMs)} ms, gas ${receipt.gasUsed}`, {
      account,
      epoch: view.epoch,
      txHash: receipt.hash,
      gasUsed: receipt.gasUsed,
      proveMs: Math.round(proveMs),
      payment: plan.payment,
      loss: plan.loss,
      seizures: plan.seizures,
    });
    return true;
  } catch (err) {
    return fail(revertReason(err, core.c.engine.interface));
  }
}
