/**
 * Step 4 of a keeper tick: seize the basket of every watched frozen account whose owner left its debt
 * unsettled past the engine's deadline (`leaseTimestamp`, when it froze, plus `seizeDelay`), against
 * the debt, at the Dutch auction's factor counted from the deadline.
 */
import { auctionFactor, planFrozenSeizure, readLiquidationRules, readSeizureMarket, submitFrozenSeizure } from "../liquidation/index.js";
import { readEpochSnapshot } from "./chainView.js";
import type { DaemonCore } from "./core.js";
import { ensurePayable } from "./liquidate.js";
import type { TickReport } from "./report.js";
import { revertReason } from "./revert.js";

/** Seizes every watched frozen account with a debt that is due; failures are reported and retried next tick. */
export async function seizeFrozenDebts(core: DaemonCore, report: TickReport): Promise<void> {
  let delay: bigint | undefined;
  for (const [account, watched] of core.state.accounts) {
    if (watched.opening === null) continue;
    const onchain = await core.c.engine.accountOf(account);
    if (!onchain.frozen) continue;
    const debt = -BigInt((await core.c.engine.settlementOf(account)).basketDelta);
    if (debt <= 0n) continue;
    delay ??= BigInt(await core.c.engine.seizeDelay());
    const due = BigInt(onchain.leaseTimestamp) + delay;
    const head = await core.c.provider.getBlock("latest");
    const now = BigInt(head!.timestamp);
    if (now < due) {
      core.say("debug", "seize.waiting", account, `frozen with a debt of ${debt}: seizable at ${due}`, { due });
      continue;
    }
    const fail = (reason: string): void => {
      report.failures.push({ account, action: "seize", reason });
      core.say("warn", "seize.failed", account, `seizure failed: ${reason}`);
    };
    try {
      const snapshot = await readEpochSnapshot(core.c.crypto.hx, core.c.oracle, head!.number, core.c.engine);
      const rules = await readLiquidationRules(core.c.engine);
      const plan = planFrozenSeizure(core.c.crypto.hx, {
        opening: { owner: BigInt(account), ...watched.opening },
        weights: snapshot.maintenanceWeights,
        market: await readSeizureMarket(core.c.oracle, core.c.settlementSlot),
        debt,
        liquidator: core.c.liquidator,
        // The factor now; the engine's only rises in the next block, so the payment stays within the debt.
        bonusBps: auctionFactor(rules, due, now),
      });
      const unpayable = await ensurePayable(core, account, plan.payment, plan.seizures);
      if (unpayable !== undefined) {
        fail(unpayable);
        continue;
      }
      const { receipt } = await submitFrozenSeizure({ engine: core.c.engine, keeper: core.o.signer, prover: core.o.prover, artifacts: core.o.artifacts, account, epoch: snapshot.epoch, plan });
      report.seized.push({ account, txHash: receipt.hash, gasUsed: receipt.gasUsed, payment: plan.payment, seizures: plan.seizures });
      core.emit("info", "seize", `seized against a debt of ${debt}: paid ${plan.payment} (gas ${receipt.gasUsed})`, { account, txHash: receipt.hash, gasUsed: receipt.gasUsed, payment: plan.payment, seizures: plan.seizures });
      core.said.delete(`${account}:seize.failed`);
    } catch (err) {
      fail(revertReason(err, core.c.engine.interface));
    }
  }
}
