/**
 * The trader's chain commands: `account status`, `deposit`, `withdraw`, `trade`, `renew`,
 * `settle`. Each reads the deployment file, the oracle's current epoch, its weights and the
 * account's positions from the chain, approves tokens when needed, proves and sends in one command.
 * The opening is kept by the library's `OpeningStore` (`--store`, default .plimsoll/openings):
 * written as pending before the transaction is sent and confirmed after it lands, so a crash at any
 * point loses nothing (the next command reconciles it with the chain). A new account starts from the
 * engine's empty commitment (empty basket, blinding 0).
 */
import { existsSync } from "node:fs";
import type { Signer } from "ethers";
import {
  accountRequirement,
  artifacts,
  formatUnits,
  growsExposure,
  LeaseStatus,
  OpeningStore,
  options as optionsMath,
  parseUnits,
  Prover,
  realisedPnl,
  funding,
  Trader,
  usd,
  type AccountOpening,
  type ActionReport,
  type ChainView,
  type KeeperTarget,
  type PositionState,
} from "../../prover/src/index.js";
import { CHAIN_HELP, openChainWithSigner, type Chain } from "../chain/connect.js";
import { explainChainError } from "../chain/contracts.js";
import type { DeployedToken } from "../chain/deployment.js";
import { printJson, type Command } from "../command.js";
import { UsageError } from "../usage.js";
import type { TraderOptions } from "./common.js";
import { existingSub, subIndex } from "./subAccount.js";
import { formatSigned, parseSize, signedUsd } from "./units.js";
import { applyMargin, checkPortfolio, MARGIN_HELP, portfolioArtifacts, portfolioLines, portfolioStatus } from "./margin.js";

/** Where openings are kept by default. */
export const DEFAULT_STORE = ".plimsoll/openings";

/** Help line of --sub (every command that acts for an account). */
export const SUB_HELP = `  --sub          act for the wallet's sub-account n ('plimsoll sub create'): an isolated account of its
                 own, driven through its forwarder (default: the wallet's own account)`;

const COMMON = `  --store        opening store folder (default $PLIMSOLL_STORE or ${DEFAULT_STORE}); PRIVATE: back it up
  --keeper-id    the keeper to encrypt the new opening to (required while the account names none)
${SUB_HELP}
${CHAIN_HELP}
  --json         machine-readable output`;
/** The options of the commands that prove for an account and may choose its margin mode. */
const PROVING = `${MARGIN_HELP}
${COMMON}`;

export const ACCOUNT_HELP: Record<string, string> = {
  "account status": `Usage: plimsoll account status [--address <0x...> | --sub <n>] [chain options] [--json]

Prints the account's commitment, its keeper, its open positions (size, entry, mark, unrealised
PnL, funding owed: negative when the position is owed funding; on an options engine also each position's delta, gamma and vega), its lease (status, when it lapses, when it may be force-closed), today's initial and
maintenance requirements and, when the opening is in the store, the basket and its headroom
(margin value minus requirement) at the current epoch. It names the margin mode; in portfolio mode
it also shows the eight scenario floors the engine computes at initial and maintenance margin and the
worst one (the smallest headroom when the basket is known, else the largest floor).
  --address      another account (default: the wallet's)
${COMMON}`,
  deposit: `Usage: plimsoll deposit --asset <SYMBOL> --amount <tokens> [--keeper-id <id>] [--margin simple|portfolio] [chain options] [--json]

Approves the engine (with --sub, the sub-account, which pulls the tokens from the wallet) for the
amount when needed, proves the deposit (requirement 0) and sends it.
${PROVING}`,
  withdraw: `Usage: plimsoll withdraw --asset <SYMBOL> --amount <tokens> [--margin simple|portfolio] [chain options] [--json]

Proves that what stays clears the initial margin of the open positions and withdraws (with --sub,
the sub-account sends the tokens on to the wallet in the same transaction). In portfolio mode what
stays must clear every scenario floor instead.
${PROVING}`,
  trade: `Usage: plimsoll trade --market <SYMBOL> --size <signed units> [--margin simple|portfolio] [chain options] [--json]

Changes the position in a perp market by --size (e.g. --size 0.5 buys 0.5 ETH, --size=-0.5 sells;
write a negative size with '='). The old position settles at the mark; growing or flipping proves
initial margin, reducing or closing proves maintenance margin. In portfolio mode the proof shows the
basket clears each of the eight scenario floors of the new positions instead of one requirement.
${PROVING}`,
  renew: `Usage: plimsoll renew [--margin simple|portfolio] [chain options] [--json]

Renews the solvency lease with a maintenance-margin proof at the current epoch (in portfolio mode,
the maintenance floors).
${PROVING}`,
  settle: `Usage: plimsoll settle [chain options] [--json]

Settles a frozen account (its positions were force-closed after its lease expired): the pending
realised PnL moves into the settlement asset with a maintenance proof.
${COMMON}`,
};

const STATUS_NAMES = ["inactive", "current", "lapsed", "expired"];

export function storeOf(opts: Pick<TraderOptions, "store">): OpeningStore {
  return new OpeningStore(opts.store ?? (process.env.PLIMSOLL_STORE || DEFAULT_STORE));
}

/** The token `--asset` names: a symbol of the deployment, or an asset slot number. */
export function tokenBySymbol(c: Chain, symbol: string | undefined): DeployedToken {
  if (symbol === undefined) throw new UsageError(`--asset is required (one of ${c.d.tokens.map((t) => t.symbol).join(", ")})`);
  const t = /^[0-9]+$/.test(symbol) ? c.d.tokens.find((x) => x.slot === Number(symbol)) : c.d.tokens.find((x) => x.symbol === symbol);
  if (t === undefined) throw new UsageError(`--asset: unknown asset ${JSON.stringify(symbol)}; known: ${c.d.tokens.map((x) => `${x.symbol} (slot ${x.slot})`).join(", ")}`);
  return t;
}

/** A positive amount of whole tokens, in base units. */
export function positiveAmount(t: DeployedToken, value: string | undefined, action: string): bigint {
  if (value === undefined) throw new UsageError("--amount is required (whole tokens, e.g. 250.5)");
  let units: bigint;
  try {
    units = parseUnits(value, t.decimals, `--amount ${t.symbol}`);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (units === 0n) throw new UsageError(`--amount: a ${action} of 0 ${t.symbol} changes nothing (the engine rejects it)`);
  return units;
}

/** Value of `amounts` under `weights`, in 1e-30 USD. */
function valueOf(amounts: readonly bigint[], weights: readonly bigint[]): bigint {
  return amounts.reduce((s, a, i) => s + a * (weights[i] ?? 0n), 0n);
}

/** Checks the build holds the wasm and proving key of each circuit (default: the account update). */
export function checkArtifacts(...circuits: string[]): void {
  for (const name of circuits.length === 0 ? ["account_update"] : circuits) {
    const a = artifacts.circuit(name);
    for (const p of [a.wasmPath, a.zkeyPath]) if (!existsSync(p)) throw new UsageError(`${p} does not exist: run 'npm run build', or point --artifacts / $PLIMSOLL_ARTIFACTS at the folder with circuits/ and keys/`);
  }
}

async function keeperOf(c: Chain, opts: TraderOptions, owner: string): Promise<KeeperTarget | undefined> {
  if (opts["keeper-id"] === undefined) {
    const named = BigInt((await c.engine.accountOf(owner)).keeperId);
    if (named === 0n) throw new UsageError("this account names no keeper yet: pass --keeper-id <id> (a keeper registered with 'plimsoll keeper register'; 'plimsoll keeper status --keeper-id <id>' shows one)");
    return undefined;
  }
  if (!/^[1-9][0-9]*$/.test(opts["keeper-id"])) throw new UsageError(`--keeper-id must be a keeper id (1, 2, ...), got ${JSON.stringify(opts["keeper-id"])}`);
  const keeperId = BigInt(opts["keeper-id"]);
  const k = await c.keeperRegistry.keeperOf(keeperId);
  if (BigInt(k.status) !== 1n) throw new UsageError(`--keeper-id ${keeperId}: ${BigInt(k.status) === 0n ? "no keeper has this id" : "the keeper is exiting or has exited; name an active one"}`);
  return { keeperId, key: [BigInt(k.x), BigInt(k.y)] };
}

/** What `withTrader` reads of a command's options. */
export type TraderChainOptions = Pick<TraderOptions, "keeper-id" | "store" | "json" | "deployment" | "rpc" | "key" | "account" | "sub" | "margin">;

/** Loads the trader of the signer's own account, or of its sub-account `sub`. */
export async function loadTrader(c: Chain & { signer: Signer }, opts: TraderChainOptions, prover: Prover, sub: string | undefined): Promise<Trader> {
  const signer = await c.signer.getAddress();
  const account = sub === undefined ? undefined : await existingSub(c, signer, subIndex(sub));
  const keeper = await keeperOf(c, opts, account ?? signer);
  try {
    return await Trader.load({
      engine: c.engine.connect(c.signer) as typeof c.engine,
      oracle: c.oracle,
      signer: c.signer,
      prover,
      artifacts: artifacts.circuit("account_update"),
      portfolioArtifacts: portfolioArtifacts(),
      store: storeOf(opts),
      ...(keeper === undefined ? {} : { keeper }),
      ...(account === undefined ? {} : { account }),
      ...(c.quoter === undefined ? {} : { quoter: c.quoter }),
      onProgress: (stage) => { if (!opts.json) process.stderr.write(stage === "witness" ? "computing witness...\n" : "proving...\n"); },
    });
  } catch (err) {
    throw new UsageError(`cannot load the account's opening: ${(err as Error).message}`);
  }
}

/**
 * Opens the chain and the trader; runs `body`; closes everything. Chain errors become one line.
 * `circuits`: the circuits the command proves (default the account update), checked first.
 */
export async function withTrader<T>(opts: TraderChainOptions, body: (c: Chain & { signer: Signer }, t: Trader, prover: Prover) => Promise<T>, circuits: string[] = []): Promise<T> {
  checkArtifacts(...circuits);
  const c = await openChainWithSigner(opts);
  const prover = new Prover();
  try {
    const trader = await loadTrader(c, opts, prover, opts.sub);
    return await body(c, trader, prover);
  } finally {
    await prover.close();
    c.close();
  }
}

export function checkEpoch(v: ChainView): void {
  if (v.epoch === 0n) throw new UsageError("the oracle has no epoch yet: run 'plimsoll oracle poke'");
}

/** Prints what one action did. */
export function report(opts: Pick<TraderOptions, "json">, c: Chain, r: ActionReport, extra: Record<string, unknown> = {}): void {
  const out = { action: r.action, epoch: r.epoch, requirement: usd(r.requirement), requirementValue: r.requirement, newCommitment: r.newCommitment, txHash: r.txHash, gasUsed: r.gasUsed, proveMs: Math.round(r.proveMs), ...extra };
  if (opts.json) printJson(out, 2);
  else console.log(`${r.action} done at epoch ${r.epoch}: requirement ${usd(r.requirement)}, gas ${r.gasUsed}, proof ${Math.round(r.proveMs)} ms, tx ${r.txHash}${extra.summary === undefined ? "" : `\n${String(extra.summary)}`}`);
  void c;
}

/** Sends one action; a revert is one line naming the contract's error. */
export async function send<R extends ActionReport>(action: string, f: () => Promise<R>): Promise<R> {
  try {
    return await f();
  } catch (err) {
    if (err instanceof UsageError) throw err;
    if ((err as Error).name === "WitnessInputError") throw new UsageError(`${action}: ${(err as Error).message}`);
    throw new Error(`${action} failed: ${explainChainError(err)}`);
  }
}

/** The basket in tokens: `5000 USDC, 2 WETH` (or `empty`). */
export function basketLine(c: Chain, o: AccountOpening): string {
  const parts = c.d.tokens.filter((t) => (o.amounts[t.slot] ?? 0n) !== 0n).map((t) => `${formatUnits(o.amounts[t.slot]!, t.decimals)} ${t.symbol}`);
  return parts.length === 0 ? "empty" : parts.join(", ");
}

async function deposit(opts: TraderOptions): Promise<number> {
  return withTrader(opts, async (c, trader) => {
    const t = tokenBySymbol(c, opts.asset);
    const amount = positiveAmount(t, opts.amount, "deposit");
    checkEpoch(await trader.view());
    await applyMargin(trader, opts, (n) => checkArtifacts(n));
    // The tokens come from the wallet; a sub-account pulls them itself, so it is the one approved.
    const owner = await c.signer.getAddress();
    const spender = opts.sub === undefined ? c.d.contracts.engine : trader.key.owner;
    const token = c.token(t.slot).connect(c.signer) as ReturnType<Chain["token"]>;
    const balance = BigInt(await token.balanceOf(owner));
    if (balance < amount) throw new UsageError(`deposit of ${formatUnits(amount, t.decimals)} ${t.symbol}: the wallet holds only ${formatUnits(balance, t.decimals)} ${t.symbol}`);
    const allowance = BigInt(await token.getFunction("allowance")(owner, spender));
    if (allowance < amount) {
      if (!opts.json) process.stderr.write(`approving the ${opts.sub === undefined ? "engine" : `sub-account ${opts.sub}`} for ${formatUnits(amount, t.decimals)} ${t.symbol}...\n`);
      await (await token.approve(spender, amount)).wait();
    }
    const r = await send("deposit", () => trader.deposit(t.slot, amount));
    report(opts, c, r, { asset: t.symbol, amount: formatUnits(amount, t.decimals), basket: basketLine(c, trader.opening), summary: `basket: ${basketLine(c, trader.opening)}` });
    return 0;
  });
}

/**
 * Checks that the basket holds `amount` of `t` and that what stays clears the initial margin of the
 * open positions (the engine's rule for a withdrawal and for emitting a note); `what` names the action.
 */
export async function checkTakeOut(trader: Trader, t: DeployedToken, amount: bigint, what: string, portfolioOf?: Chain): Promise<void> {
  const held = trader.opening.amounts[t.slot] ?? 0n;
  if (held < amount) throw new UsageError(`${what} of ${formatUnits(amount, t.decimals)} ${t.symbol}: the basket holds only ${formatUnits(held, t.decimals)} ${t.symbol}`);
  const v = await trader.view();
  checkEpoch(v);
  const after = trader.opening.amounts.map((a, i) => (i === t.slot ? a - amount : a));
  if (portfolioOf !== undefined && (await trader.isPortfolio())) return checkPortfolio(portfolioOf, trader, v, "initial", v.positions, after, `${what} of ${formatUnits(amount, t.decimals)} ${t.symbol}`);
  const requirement = accountRequirement(v.positions, v.markets, true);
  const value = valueOf(after, v.initialWeights);
  if (value < requirement) throw new UsageError(`${what} of ${formatUnits(amount, t.decimals)} ${t.symbol} leaves ${usd(value)} of margin value at initial haircuts, below the initial requirement ${usd(requirement)}`);
}

async function withdraw(opts: TraderOptions): Promise<number> {
  return withTrader(opts, async (c, trader) => {
    const t = tokenBySymbol(c, opts.asset);
    const amount = positiveAmount(t, opts.amount, "withdrawal");
    await applyMargin(trader, opts, (n) => checkArtifacts(n));
    await checkTakeOut(trader, t, amount, "withdrawal", c);
    const r = await send("withdraw", () => trader.withdraw(t.slot, amount));
    report(opts, c, r, { asset: t.symbol, amount: formatUnits(amount, t.decimals), basket: basketLine(c, trader.opening), summary: `basket: ${basketLine(c, trader.opening)}` });
    return 0;
  });
}

async function trade(opts: TraderOptions): Promise<number> {
  return withTrader(opts, async (c, trader) => {
    if (opts.market === undefined) throw new UsageError(`--market is required (one of ${c.d.markets.map((m) => m.symbol).join(", ")})`);
    const m = c.d.markets.find((x) => x.symbol === opts.market);
    if (m === undefined) throw new UsageError(`--market: unknown market ${JSON.stringify(opts.market)}; known: ${c.d.markets.map((x) => x.symbol).join(", ")}`);
    const size = parseSize(opts.size);
    const v = await trader.view();
    checkEpoch(v);
    const portfolio = await applyMargin(trader, opts, (n) => checkArtifacts(n));
    // The same rule as Trader.trade and the engine, checked first for a message in dollars.
    const quote = v.markets[m.id]!;
    const settlement = c.d.tokens.find((t) => t.slot === 0)!;
    const old = v.positions.get(m.id) ?? { size: 0n, entryPrice: 0n };
    const index = quote.fundingIndex ?? 0n;
    const pnl = realisedPnl(old.size, old.entryPrice, quote.mark, settlement.decimals) - funding(old.size, old.fundingIndex ?? 0n, index, settlement.decimals);
    const newSize = old.size + size;
    const grows = growsExposure(old.size, newSize);
    const after = new Map<number, PositionState>(v.positions);
    if (newSize === 0n) after.delete(m.id);
    else after.set(m.id, { size: newSize, entryPrice: quote.mark, fundingIndex: index });
    const basket = trader.opening.amounts.map((a, i) => (i === settlement.slot ? a + pnl : a));
    if ((basket[settlement.slot] ?? 0n) < 0n) throw new UsageError(`the realised loss ${formatUnits(-pnl, settlement.decimals)} ${settlement.symbol} exceeds the basket's ${formatUnits(trader.opening.amounts[settlement.slot]!, settlement.decimals)} ${settlement.symbol}: deposit ${settlement.symbol} first`);
    const requirement = accountRequirement(after, v.markets, grows);
    const value = valueOf(basket, grows ? v.initialWeights : v.maintenanceWeights);
    if (portfolio) await checkPortfolio(c, trader, v, grows ? "initial" : "maintenance", after, basket, "the trade");
    else if (value < requirement) throw new UsageError(`the trade needs ${usd(requirement)} of ${grows ? "initial" : "maintenance"} margin, the basket is worth ${usd(value)} at ${grows ? "initial" : "maintenance"} haircuts`);
    const r = await send("trade", () => trader.trade(m.id, size));
    report(opts, c, r, { market: m.symbol, size: formatSigned(size), position: formatSigned(newSize), realisedPnl: `${formatSigned(pnl, settlement.decimals)} ${settlement.symbol}`, summary: `${m.symbol} position ${formatSigned(newSize)}, realised ${formatSigned(pnl, settlement.decimals)} ${settlement.symbol}` });
    return 0;
  });
}

async function renew(opts: TraderOptions): Promise<number> {
  return withTrader(opts, async (c, trader) => {
    const v = await trader.view();
    checkEpoch(v);
    const portfolio = await applyMargin(trader, opts, (n) => checkArtifacts(n));
    const requirement = accountRequirement(v.positions, v.markets, false);
    const value = valueOf(trader.opening.amounts, v.maintenanceWeights);
    if (portfolio) await checkPortfolio(c, trader, v, "maintenance", v.positions, trader.opening.amounts, "the renewal");
    else if (value < requirement) throw new UsageError(`the basket is worth ${usd(value)} at maintenance haircuts, below the maintenance requirement ${usd(requirement)}: deposit first`);
    const r = await send("renew", () => trader.renewLease());
    report(opts, c, r);
    return 0;
  });
}

async function settle(opts: TraderOptions): Promise<number> {
  refuseMargin(opts, "settle");
  return withTrader(opts, async (c, trader) => {
    const a = await c.engine.accountOf(trader.key.owner);
    if (!a.frozen) throw new UsageError("the account is not frozen: nothing to settle (settle follows a force-close)");
    checkEpoch(await trader.view());
    await applyMargin(trader, { ...opts, margin: undefined }, (n) => checkArtifacts(n));
    const r = await send("settle", () => trader.settle());
    report(opts, c, r, { basket: basketLine(c, trader.opening), summary: `basket: ${basketLine(c, trader.opening)}` });
    return 0;
  });
}

/** Mark, initial and maintenance ratio of instrument `j`: the options market's quote, or the oracle's perp market. */
async function quoteOf(c: Chain, j: number): Promise<bigint[]> {
  if (c.quoter !== undefined) return (await c.quoter.marketQuote(j)).slice(0, 3).map(BigInt);
  const [mark, ratios] = await Promise.all([c.oracle.markPrice(j), c.oracle.marketRatios(j)]);
  return [BigInt(mark), BigInt(ratios[0]), BigInt(ratios[1])];
}

async function status(opts: TraderOptions): Promise<number> {
  refuseMargin(opts, "account status");
  const c = await openChainWithSigner(opts);
  try {
    if (opts.address !== undefined && opts.sub !== undefined) throw new UsageError("--address and --sub name two accounts: give one");
    const sub = opts.sub === undefined ? undefined : await existingSub(c, await c.signer.getAddress(), subIndex(opts.sub));
    const owner = sub ?? opts.address ?? (await c.signer.getAddress());
    const prover = new Prover();
    try {
      // A read-only Trader: the view (epoch, weights, positions) exactly as the actions read it.
      let trader: Trader | undefined;
      let openingNote: string | undefined;
      try {
        trader = await Trader.load({ engine: c.engine, oracle: c.oracle, signer: opts.address === undefined ? c.signer : (c.provider.getSigner(owner) as never), prover, artifacts: artifacts.circuit("account_update"), portfolioArtifacts: portfolioArtifacts(), store: storeOf(opts), ...(sub === undefined ? {} : { account: sub }), ...(c.quoter === undefined ? {} : { quoter: c.quoter }) });
      } catch (err) {
        openingNote = (err as Error).message;
      }
      const account = await c.engine.accountOf(owner);
      const [leaseStatus, lapsesAt, closableAt] = await c.engine.leaseOf(owner);
      const settlement = await c.engine.settlementOf(owner);
      const epoch = BigInt(await c.oracle.currentEpoch());
      const vectors = await c.oracle.weightVectors();
      const markets = await Promise.all(c.d.markets.map(async (m) => {
        const [[mark, imRatio, mmRatio], pos, index] = await Promise.all([quoteOf(c, m.id), c.engine.positionOf(owner, m.id), c.engine.fundingIndexOf(m.id)]);
        const size = BigInt(pos.size);
        // An options engine: the position's delta, gamma and vega (size times the series' Greeks).
        const greeks = c.options === undefined || size === 0n ? undefined : await c.options.greeks(m.id).then(([, delta, gamma, vega]) => optionsMath.positionGreeks(size, { delta, gamma, vega }));
        return { m, mark: mark!, imRatio: imRatio!, mmRatio: mmRatio!, size, entryPrice: BigInt(pos.entryPrice), positionIndex: BigInt(pos.fundingIndex), fundingIndex: BigInt(index), greeks };
      }));
      const positions = new Map<number, PositionState>(markets.filter((x) => x.size !== 0n).map((x) => [x.m.id, { size: x.size, entryPrice: x.entryPrice, fundingIndex: x.positionIndex }]));
      const quotes = markets.map((x) => ({ mark: x.mark, imRatio: x.imRatio, mmRatio: x.mmRatio, fundingIndex: x.fundingIndex }));
      const imReq = accountRequirement(positions, quotes, true);
      const mmReq = accountRequirement(positions, quotes, false);
      const usdc = c.d.tokens.find((t) => t.slot === 0)!;
      const opening = trader?.opening;
      const imValue = opening === undefined ? undefined : valueOf(opening.amounts, (vectors[0] as bigint[]).map(BigInt));
      const mmValue = opening === undefined ? undefined : valueOf(opening.amounts, (vectors[1] as bigint[]).map(BigInt));
      const portfolio = account.portfolio ? await portfolioStatus(c, owner, trader, opening?.amounts) : undefined;
      const doc = {
        account: owner,
        ...(sub === undefined ? {} : { subAccount: { index: subIndex(opts.sub!), owner: await c.signer.getAddress() } }),
        commitment: BigInt(await c.engine.commitmentOf(owner)),
        keeperId: BigInt(account.keeperId),
        frozen: account.frozen,
        margin: account.portfolio ? "portfolio" : "simple",
        ...(portfolio === undefined ? {} : { portfolio }),
        epoch,
        positions: markets.filter((x) => x.size !== 0n).map((x) => ({
          market: x.m.symbol, size: formatSigned(x.size), entryPrice: formatUnits(x.entryPrice, 8), mark: formatUnits(x.mark, 8),
          unrealisedPnl: `${formatSigned(realisedPnl(x.size, x.entryPrice, x.mark, usdc.decimals), usdc.decimals)} ${usdc.symbol}`,
          fundingOwed: `${formatSigned(funding(x.size, x.positionIndex, x.fundingIndex, usdc.decimals), usdc.decimals)} ${usdc.symbol}`,
          ...(x.greeks === undefined ? {} : { delta: formatSigned(x.greeks.delta), gamma: formatSigned(x.greeks.gamma), vegaPerVolPoint: `${formatSigned(x.greeks.vegaPerPoint)} USD` }),
        })),
        lease: { status: STATUS_NAMES[Number(leaseStatus)] ?? String(leaseStatus), epoch: BigInt(account.leaseEpoch), lapsesAt: BigInt(lapsesAt), closableAt: BigInt(closableAt), expired: BigInt(leaseStatus) === LeaseStatus.Expired },
        pendingSettlement: `${formatSigned(BigInt(settlement.basketDelta), usdc.decimals)} ${usdc.symbol}`,
        requirement: { initial: usd(imReq), maintenance: usd(mmReq) },
        basket: opening === undefined ? null : Object.fromEntries(c.d.tokens.map((t) => [t.symbol, formatUnits(opening.amounts[t.slot] ?? 0n, t.decimals)])),
        value: imValue === undefined ? null : { initial: usd(imValue), maintenance: usd(mmValue!) },
        headroom: imValue === undefined ? null : { initial: signedUsd(imValue - imReq), maintenance: signedUsd(mmValue! - mmReq) },
        ...(openingNote === undefined ? {} : { openingNote }),
      };
      if (opts.json) printJson(doc, 2);
      else {
        const when = (t: bigint): string => (t === 0n ? "-" : new Date(Number(t) * 1000).toISOString());
        console.log(`account ${owner}${sub === undefined ? "" : ` (sub-account ${opts.sub} of ${await c.signer.getAddress()})`}${doc.frozen ? " (FROZEN: run 'plimsoll settle')" : ""}\n  commitment   ${doc.commitment}\n  keeper       ${doc.keeperId === 0n ? "none named yet" : doc.keeperId}\n  margin       ${doc.margin}\n  epoch        ${epoch}`);
        console.log(`  lease        ${doc.lease.status} (epoch ${doc.lease.epoch}; lapses ${when(doc.lease.lapsesAt)}, closable ${when(doc.lease.closableAt)})`);
        if (doc.positions.length === 0) console.log("  positions    none");
        for (const [i, p] of doc.positions.entries()) {
          console.log(`  ${p.market.padEnd(12)} ${p.size} at ${p.entryPrice} (mark ${p.mark}, unrealised ${p.unrealisedPnl}, funding owed ${p.fundingOwed})`);
          const g = markets.filter((x) => x.size !== 0n)[i]!.greeks;
          if (g !== undefined) console.log(`  ${"".padEnd(12)} ${optionsMath.formatGreeks(g)}`);
        }
        console.log(`  requirement  ${doc.requirement.initial} initial, ${doc.requirement.maintenance} maintenance${portfolio === undefined ? "" : " (the simple rule; this account's rule is the floors below)"}`);
        if (portfolio !== undefined) console.log(portfolioLines(portfolio));
        if (opening === undefined) console.log(`  basket       not in the store (${openingNote ?? "unknown"})`);
        else console.log(`  basket       ${basketLine(c, opening)}\n  value        ${doc.value!.initial} initial, ${doc.value!.maintenance} maintenance\n  headroom     ${doc.headroom!.initial} initial, ${doc.headroom!.maintenance} maintenance`);
      }
      return 0;
    } finally {
      await prover.close();
    }
  } finally {
    c.close();
  }
}

/** `--margin` on a command that does not choose the mode. */
function refuseMargin(opts: TraderOptions, command: string): void {
  if (opts.margin !== undefined) throw new UsageError(`--margin applies to deposit, withdraw, trade and renew, not to '${command}'`);
}

export const accountCommands: Record<string, Command<TraderOptions>> = {
  "account status": { help: ACCOUNT_HELP["account status"]!, run: status },
  deposit: { help: ACCOUNT_HELP.deposit!, run: deposit },
  withdraw: { help: ACCOUNT_HELP.withdraw!, run: withdraw },
  trade: { help: ACCOUNT_HELP.trade!, run: trade },
  renew: { help: ACCOUNT_HELP.renew!, run: renew },
  settle: { help: ACCOUNT_HELP.settle!, run: settle },
};
