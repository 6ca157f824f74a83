/**
 * Step 2 of a keeper tick: health. At each new oracle epoch (or when a watched commitment changed),
 * every watched account with open positions is valued at the epoch's maintenance weights against
 * the maintenance requirement of its positions; the decision is logged and an insolvent account is
 * liquidated (liquidate.ts).
 */
import { accountRequirement } from "../margin.js";
import { usd } from "../format.js";
import { basketValue } from "../liquidation/plan.js";
import { readEpochSnapshot, readPositions, viewOf, type EpochSnapshot } from "./chainView.js";
import { MAX_ATTEMPTS, type DaemonCore } from "./core.js";
import { liquidateAccount } from "./liquidate.js";
import type { TickReport } from "./report.js";
import type { WatchedAccount } from "./state.js";

/**
 * At a new epoch (or a changed commitment), values every watched account that is due and
 * liquidates the insolvent; records what is done, retrying a failure up to MAX_ATTEMPTS ticks.
 */
export async function evaluateAccounts(core: DaemonCore, head: number, report: TickReport): Promise<void> {
  const epoch = BigInt(await core.c.oracle.currentEpoch({ blockTag: head }));
  if (epoch === 0n) return;
  const due = [...core.state.accounts].filter(([account, a]) => core.evaluated.get(account) !== `${epoch}:${a.commitment}`);
  if (due.length === 0) {
    core.state.lastEpochEvaluated = epoch;
    return;
  }
  if (epoch > core.state.lastEpochEvaluated) core.emit("info", "epoch", `epoch ${epoch}: evaluating ${due.length} account(s)`, { epoch, accounts: due.length });
  const snapshot = await readEpochSnapshot(core.c.crypto.hx, core.c.oracle, head, core.c.engine);
  report.epoch = epoch;
  let allDone = true;
  for (const [account, a] of due) {
    const key = `${epoch}:${a.commitment}`;
    let done: boolean;
    try {
      done = await evaluateAccount(core, account, a, snapshot, report);
    } catch (err) {
      core.emit("error", "health.failed", `could not evaluate: ${(err as Error).message}`, { account });
      done = false;
    }
    // Waiting for the Dutch auction is not a failed attempt: the account is evaluated again next tick.
    if (!done && report.waiting.some((x) => x.account === account)) {
      allDone = false;
      continue;
    }
    if (!done) {
      const attempt = `${account}:${key}`;
      const n = (core.attempts.get(attempt) ?? 0) + 1;
      core.attempts.set(attempt, n);
      if (n >= MAX_ATTEMPTS) {
        core.emit("warn", "health.giveup", `no success after ${n} attempts: waiting for the next epoch or note`, { account, epoch });
        done = true;
      }
    }
    if (done) {
      core.evaluated.set(account, key);
      core.attempts.delete(`${account}:${key}`);
    } else allDone = false;
  }
  if (allDone) core.state.lastEpochEvaluated = epoch;
}

/** Evaluates one account at the snapshot; true when nothing is left to do for it in this epoch. */
async function evaluateAccount(core: DaemonCore, account: string, a: WatchedAccount, snapshot: EpochSnapshot, report: TickReport): Promise<boolean> {
  const at = { blockTag: snapshot.blockNumber };
  const onchain = await core.c.engine.accountOf(account, at);
  const openMarkets = BigInt(onchain.openMarkets);
  if (openMarkets === 0n) {
    report.decisions.push({ account, decision: "no-position" });
    core.say("debug", "health", account, "no open position", { epoch: snapshot.epoch });
    return true;
  }
  if (BigInt(onchain.commitment) !== a.commitment) {
    report.decisions.push({ account, decision: "stale" });
    core.say("info", "health", account, "stale opening, waiting for the next note", { epoch: snapshot.epoch, stored: a.commitment, onchain: BigInt(onchain.commitment) });
    return false;
  }
  if (a.opening === null) {
    report.decisions.push({ account, decision: "no-opening" });
    core.say("warn", "health", account, "opening unknown (its note did not decrypt): cannot evaluate", { epoch: snapshot.epoch });
    return true;
  }
  const positions = await readPositions(core.c.engine, account, core.c.marketCount, snapshot.blockNumber, openMarkets);
  const value = basketValue(a.opening.amounts, snapshot.maintenanceWeights);
  const requirement = accountRequirement(positions, snapshot.markets, false);
  const fields = { epoch: snapshot.epoch, value, requirement };
  if (value >= requirement) {
    report.decisions.push({ account, decision: "healthy", value, requirement });
    core.emit("info", "health", `healthy: value ${usd(value)} >= maintenance requirement ${usd(requirement)}`, { account, decision: "healthy", ...fields });
    return true;
  }
  report.decisions.push({ account, decision: "insolvent", value, requirement });
  core.emit("info", "health", `insolvent: liquidating (value ${usd(value)} < maintenance requirement ${usd(requirement)})`, { account, decision: "insolvent", ...fields });
  return liquidateAccount(core, account, { owner: BigInt(account), ...a.opening }, viewOf(snapshot, positions, a.commitment), report);
}
