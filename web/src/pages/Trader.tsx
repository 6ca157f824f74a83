/**
 * The trader's page: the account (commitment, keeper, lease), the basket from the opening kept in
 * this browser (never sent anywhere), positions, requirement and headroom, and the four actions.
 * Every action goes through the library's `Trader` (the same code as the CLI): it reads the epoch and
 * positions, plans the update, proves it (here in a Web Worker), records the next opening as pending,
 * sends, and confirms.
 */
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { Signer } from "ethers";
import {
  accountRequirement,
  basketValue,
  formatUnits,
  growsExposure,
  LeaseStatus,
  parseUnits,
  POSITION_DECIMALS,
  PRICE_DECIMALS,
  realisedPnl,
  funding,
  Trader,
  usd,
  type AccountKey,
  type ActionReport,
  type ChainView,
  type KeeperTarget,
  type PositionState,
} from "../lib.js";
import { contracts, explain, hasInjectedWallet, readProvider, signerOf, type AppConfig, type DeployedToken, type WalletChoice } from "../chain.js";
import { BrowserOpeningStore } from "../store.js";
import { WorkerProver, type ProgressEvent } from "../prover.js";
import { Bar, Field, Section, short } from "../ui.js";

const STATUS = ["inactive", "current", "lapsed", "expired"];

interface Snapshot {
  owner: string;
  key: AccountKey;
  view: ChainView;
  opening: bigint[];
  keeperId: bigint;
  frozen: boolean;
  /** What `settle` moves into the settlement slot (negative: a debt); 0 unless frozen. */
  settlement: bigint;
  lease: { status: bigint; lapsesAt: bigint; closableAt: bigint };
  now: bigint;
  balances: bigint[];
}

type Errors = Record<string, string>;

/** One prover per page: the worker keeps the keys in memory between proofs. */
let prover: WorkerProver | undefined;
function proverOf(cfg: AppConfig): WorkerProver {
  prover ??= new WorkerProver(new URL(cfg.snarkjs, location.href).href);
  return prover;
}

function artifactsOf(cfg: AppConfig) {
  const k = cfg.keys.account_update!;
  return { wasmPath: new URL(k.wasm, location.href).href, zkeyPath: new URL(k.zkey, location.href).href };
}

const signed = (x: bigint, d: number): string => (x < 0n ? `-${formatUnits(-x, d)}` : formatUnits(x, d));
const signedUsd = (x: bigint): string => (x < 0n ? `-${usd(-x)}` : usd(x));

/** Parses a positive token amount; the error names the field. */
function amountOf(t: DeployedToken | undefined, text: string, field: string): bigint {
  if (t === undefined) throw new FieldError(field.replace(/ amount$/, " asset"), "choose an asset");
  if (text.trim() === "") throw new FieldError(field, "is required");
  let v: bigint;
  try {
    v = parseUnits(text, t.decimals, field);
  } catch (err) {
    throw new FieldError(field, (err as Error).message.replace(new RegExp(`^${field} `), ""));
  }
  if (v === 0n) throw new FieldError(field, "must be more than 0");
  return v;
}

class FieldError extends Error {
  constructor(readonly field: string, message: string) {
    super(`${field}: ${message}`);
  }
}

export function TraderPage({ cfg }: { cfg: AppConfig }) {
  const d = cfg.deployment;
  const [wallet, setWallet] = useState<WalletChoice>(() => ({ kind: "dev", index: Number(new URLSearchParams(location.hash.split("?")[1] ?? "").get("account") ?? 1) }));
  const [signer, setSigner] = useState<Signer | undefined>();
  const [trader, setTrader] = useState<Trader | undefined>();
  const [snap, setSnap] = useState<Snapshot | undefined>();
  const [loadError, setLoadError] = useState<string | undefined>();
  const [busy, setBusy] = useState<string | undefined>();
  const [progress, setProgress] = useState<ProgressEvent | undefined>();
  const [result, setResult] = useState<{ ok: boolean; text: string } | undefined>();
  const [errors, setErrors] = useState<Errors>({});
  const [keysReady, setKeysReady] = useState<{ cached: boolean; loadMs: number } | undefined>();
  const [form, setForm] = useState({ depositAsset: d.tokens[0]?.symbol ?? "", depositAmount: "", keeperId: "1", withdrawAsset: d.tokens[0]?.symbol ?? "", withdrawAmount: "", market: d.markets[0]?.symbol ?? "", size: "", mintAsset: d.tokens[0]?.symbol ?? "", mintAmount: "10000" });
  const store = useMemo(() => new BrowserOpeningStore(window.localStorage, cfg.worldId), []);
  /** The Trader in use (a new one replaces it when the first update names a keeper). */
  const current = useRef<Trader | undefined>(undefined);
  const set = (k: keyof typeof form) => (e: Event) => setForm({ ...form, [k]: (e.target as HTMLInputElement).value });

  // Keys: fetched (or taken from the Cache API) as soon as the page opens.
  useEffect(() => {
    const p = proverOf(cfg);
    p.onProgress = (e) => setProgress(e);
    void p.preload(artifactsOf(cfg)).then((r) => { setKeysReady(r); setProgress(undefined); }, (err: Error) => setLoadError(`keys: ${err.message}`));
  }, []);

  async function refresh(t: Trader, s: Signer): Promise<void> {
    const { engine, token } = contracts(cfg, readProvider(cfg));
    const owner = t.key.owner;
    const [view, account, settlement, lease, block, balances] = await Promise.all([
      t.view(),
      engine.accountOf(owner),
      engine.settlementOf(owner),
      engine.leaseOf(owner),
      readProvider(cfg).getBlock("latest"),
      Promise.all(d.tokens.map((x) => token(x.slot).balanceOf(owner).then(BigInt))),
    ]);
    void s;
    setSnap({
      owner,
      key: t.key,
      view,
      opening: t.opening.amounts,
      keeperId: BigInt(account.keeperId),
      frozen: Boolean(account.frozen),
      settlement: BigInt(settlement.basketDelta),
      lease: { status: BigInt(lease[0]), lapsesAt: BigInt(lease[1]), closableAt: BigInt(lease[2]) },
      now: BigInt(block?.timestamp ?? Math.floor(Date.now() / 1000)),
      balances,
    });
  }

  async function connect(w: WalletChoice): Promise<void> {
    setLoadError(undefined);
    setTrader(undefined);
    setSnap(undefined);
    try {
      const s = await signerOf(cfg, w);
      setSigner(s);
      const c = contracts(cfg, s);
      const t = await Trader.load({ engine: c.engine, oracle: c.oracle, signer: s, prover: proverOf(cfg) as never, artifacts: artifactsOf(cfg), store: store as never, onProgress: () => undefined });
      current.current = t;
      setTrader(t);
      await refresh(t, s);
    } catch (err) {
      setLoadError(explain(err));
      try {
        const s = await signerOf(cfg, w);
        setSigner(s);
      } catch { /* the wallet error is shown */ }
    }
  }

  useEffect(() => { void connect(wallet); }, [wallet.kind, (wallet as { index?: number }).index]);

  // Ready: keys loaded and the account shown (the figure "time until the trader page is ready").
  useEffect(() => {
    if (keysReady !== undefined && snap !== undefined) {
      const w = window as unknown as { __plimsoll?: Record<string, unknown> };
      w.__plimsoll = { ...(w.__plimsoll ?? {}), readyMs: performance.now(), keysCached: keysReady.cached, keysLoadMs: keysReady.loadMs };
      document.body.dataset.traderReady = "1";
    }
  }, [keysReady, snap]);

  const tokenOf = (sym: string) => d.tokens.find((t) => t.symbol === sym);

  async function keeperTarget(s: Snapshot): Promise<KeeperTarget | undefined> {
    if (s.keeperId !== 0n) return undefined;
    const text = form.keeperId.trim();
    if (!/^[1-9][0-9]*$/.test(text)) throw new FieldError("Keeper id", "the account names no keeper yet: give a registered keeper id (a positive integer)");
    const id = BigInt(text);
    const reg = contracts(cfg, readProvider(cfg)).keeperRegistry;
    if (!(await reg.isNameable(id))) {
      const short = Boolean((await reg.keeperOf(id)).bondShort);
      throw new FieldError("Keeper id", short
        ? `keeper ${id}'s bond was drawn for a shortfall of one of its accounts: no new account may name it until it is topped up (plimsoll keeper topup)`
        : `keeper ${id} is not registered, or is exiting: it cannot be named`);
    }
    const [x, y] = await reg.keyOf(id);
    return { keeperId: id, key: [BigInt(x), BigInt(y)] };
  }

  /** Runs one action with the library's Trader (a new one when a keeper must be named). */
  async function act(name: string, f: (t: Trader, s: Snapshot) => Promise<ActionReport | string>): Promise<void> {
    if (trader === undefined || snap === undefined || signer === undefined) return;
    setErrors({});
    setResult(undefined);
    setBusy(name);
    document.body.dataset.actionDone = "0";
    const started = performance.now();
    try {
      const r = await f(current.current ?? trader, snap);
      const text = typeof r === "string" ? r : `${r.action} accepted at epoch ${r.epoch}: proof ${Math.round(r.witnessMs + r.proveMs)} ms in the browser (witness ${Math.round(r.witnessMs)} ms), gas ${r.gasUsed}, tx ${r.txHash}`;
      setResult({ ok: true, text });
      const w = window as unknown as { __plimsoll?: Record<string, unknown> };
      if (typeof r !== "string") w.__plimsoll = { ...(w.__plimsoll ?? {}), lastAction: { action: r.action, witnessMs: r.witnessMs, proveMs: r.proveMs, gasUsed: r.gasUsed.toString(), txHash: r.txHash, totalMs: performance.now() - started } };
      await refresh(current.current ?? trader, signer);
    } catch (err) {
      if (err instanceof FieldError) setErrors({ [err.field]: err.message });
      else setResult({ ok: false, text: `${name} failed: ${explain(err)}` });
    } finally {
      setBusy(undefined);
      setProgress(undefined);
      document.body.dataset.actionDone = "1";
    }
  }

  /** A Trader naming `keeper`, for the first update of an account. */
  async function withKeeper(t: Trader, keeper: KeeperTarget | undefined): Promise<Trader> {
    if (keeper === undefined) return t;
    const c = contracts(cfg, signer!);
    const next = await Trader.load({ engine: c.engine, oracle: c.oracle, signer: signer!, prover: proverOf(cfg) as never, artifacts: artifactsOf(cfg), store: store as never, keeper });
    current.current = next;
    setTrader(next);
    return next;
  }

  const deposit = () => act("deposit", async (t, s) => {
    const tk = tokenOf(form.depositAsset);
    const amount = amountOf(tk, form.depositAmount, "Deposit amount");
    const keeper = await keeperTarget(s);
    const bal = s.balances[d.tokens.indexOf(tk!)] ?? 0n;
    if (bal < amount) throw new FieldError("Deposit amount", `the wallet holds only ${formatUnits(bal, tk!.decimals)} ${tk!.symbol}`);
    const token = contracts(cfg, signer!).token(tk!.slot);
    const allowance = BigInt(await token.getFunction("allowance")(s.owner, d.contracts.engine));
    if (allowance < amount) {
      setBusy("approving");
      await (await token.approve(d.contracts.engine, amount)).wait();
      setBusy("deposit");
    }
    return (await withKeeper(t, keeper)).deposit(tk!.slot, amount);
  });

  const withdraw = () => act("withdraw", async (t, s) => {
    const tk = tokenOf(form.withdrawAsset);
    const amount = amountOf(tk, form.withdrawAmount, "Withdraw amount");
    const held = s.opening[tk!.slot] ?? 0n;
    if (held < amount) throw new FieldError("Withdraw amount", `the basket holds only ${formatUnits(held, tk!.decimals)} ${tk!.symbol}`);
    const after = s.opening.map((a, i) => (i === tk!.slot ? a - amount : a));
    const req = accountRequirement(s.view.positions, s.view.markets, true);
    const value = basketValue(after, s.view.initialWeights);
    if (value < req) throw new FieldError("Withdraw amount", `leaves ${usd(value)} of margin value at initial haircuts, below the initial requirement ${usd(req)}`);
    return t.withdraw(tk!.slot, amount);
  });

  const trade = () => act("trade", async (t, s) => {
    const m = d.markets.find((x) => x.symbol === form.market);
    if (m === undefined) throw new FieldError("Market", "choose a market");
    const text = form.size.trim();
    if (text === "") throw new FieldError("Size", "is required (signed units of the underlying, e.g. 0.5 or -0.5)");
    const neg = text.startsWith("-");
    let size: bigint;
    try {
      size = parseUnits(neg ? text.slice(1) : text, POSITION_DECIMALS, "Size");
    } catch (err) {
      throw new FieldError("Size", (err as Error).message.replace(/^Size /, ""));
    }
    if (size === 0n) throw new FieldError("Size", "must not be 0");
    if (neg) size = -size;
    const quote = s.view.markets[m.id]!;
    const settlement = d.tokens.find((x) => x.slot === 0)!;
    const old = s.view.positions.get(m.id) ?? { size: 0n, entryPrice: 0n };
    const index = quote.fundingIndex ?? 0n;
    const pnl = realisedPnl(old.size, old.entryPrice, quote.mark, settlement.decimals) - funding(old.size, old.fundingIndex ?? 0n, index, settlement.decimals);
    const newSize = old.size + size;
    const grows = growsExposure(old.size, newSize);
    const after = new Map<number, PositionState>(s.view.positions);
    if (newSize === 0n) after.delete(m.id);
    else after.set(m.id, { size: newSize, entryPrice: quote.mark, fundingIndex: index });
    const basket = s.opening.map((a, i) => (i === settlement.slot ? a + pnl : a));
    const req = accountRequirement(after, s.view.markets, grows);
    const value = basketValue(basket, grows ? s.view.initialWeights : s.view.maintenanceWeights);
    if (value < req) throw new FieldError("Size", `the trade needs ${usd(req)} of ${grows ? "initial" : "maintenance"} margin, the basket is worth ${usd(value)}`);
    return t.trade(m.id, size);
  });

  const renew = () => act("renew", async (t, s) => {
    const req = accountRequirement(s.view.positions, s.view.markets, false);
    const value = basketValue(s.opening, s.view.maintenanceWeights);
    if (value < req) throw new Error(`the basket is worth ${usd(value)} at maintenance haircuts, below the maintenance requirement ${usd(req)}: deposit first`);
    return t.renewLease();
  });

  const settle = () => act("settle", async (t, s) => {
    const settlement = d.tokens.find((x) => x.slot === 0)!;
    const held = s.opening[settlement.slot] ?? 0n;
    if (held + s.settlement < 0n) {
      throw new FieldError("Settle", `the debt is ${formatUnits(-s.settlement, settlement.decimals)} ${settlement.symbol} and the basket holds ${formatUnits(held, settlement.decimals)}: deposit at least ${formatUnits(-s.settlement - held, settlement.decimals)} ${settlement.symbol} first`);
    }
    return t.settle();
  });

  const mint = () => act("mint", async (_t, s) => {
    const tk = tokenOf(form.mintAsset);
    const amount = amountOf(tk, form.mintAmount, "Mint amount");
    await (await contracts(cfg, signer!).token(tk!.slot).mint(s.owner, amount)).wait();
    return `minted ${formatUnits(amount, tk!.decimals)} ${tk!.symbol} to ${s.owner}`;
  });

  function exportOpening(): void {
    if (snap === undefined) return;
    const text = store.exportText(snap.key);
    if (text === undefined) return setResult({ ok: false, text: "nothing stored yet: the account is empty (its opening is the empty basket, blinding 0)" });
    const a = document.createElement("a");
    a.href = URL.createObjectURL(new Blob([text], { type: "application/json" }));
    a.download = `${snap.owner.toLowerCase()}.json`;
    a.click();
  }

  async function importOpening(e: Event): Promise<void> {
    const file = (e.target as HTMLInputElement).files?.[0];
    if (file === undefined || signer === undefined) return;
    setErrors({});
    try {
      const owner = await signer.getAddress();
      const key: AccountKey = { chainId: BigInt(d.chainId), engine: d.contracts.engine, owner };
      store.importText(key, await file.text());
      setResult({ ok: true, text: `imported the opening file ${file.name}` });
      await connect(wallet);
    } catch (err) {
      setErrors({ "Opening file": (err as Error).message });
    }
  }

  const pct = progress?.stage === "download" && progress.total ? Math.round(((progress.loaded ?? 0) / progress.total) * 100) : undefined;
  const progressText = progress === undefined ? undefined : progress.stage === "download" ? `downloading the proving key${pct === undefined ? "" : ` ${pct}%`}` : progress.stage === "witness" ? "computing the witness" : "proving (Groth16, in a Web Worker)";

  return (
    <div class="page" id="trader">
      <Section title="Account">
        <div class="row">
          <Field label="Wallet" name="wallet">
            <select id="wallet" value={wallet.kind === "dev" ? `dev:${wallet.index}` : "injected"} onChange={(e) => {
              const v = (e.target as HTMLSelectElement).value;
              setWallet(v === "injected" ? { kind: "injected" } : { kind: "dev", index: Number(v.slice(4)) });
            }}>
              {d.development ? [1, 2, 3, 4, 5].map((i) => <option value={`dev:${i}`}>development account {i}</option>) : null}
              {hasInjectedWallet() ? <option value="injected">injected wallet (EIP-1193)</option> : null}
            </select>
          </Field>
          <div class="keys" id="keys-status">{keysReady ? `keys ready (${keysReady.cached ? "cached" : "downloaded"}, ${Math.round(keysReady.loadMs)} ms)` : "loading the proving keys…"}</div>
        </div>
        {loadError ? <p class="error" id="load-error">{loadError}</p> : null}
        {snap ? <AccountView cfg={cfg} s={snap} /> : loadError ? null : <p>loading the account…</p>}
        <div class="row">
          <button id="export" onClick={exportOpening} disabled={snap === undefined}>Export opening file</button>
          <Field label="Import opening file" name="Opening file" error={errors["Opening file"]}>
            <input type="file" id="import" accept=".json,application/json" onChange={(e) => void importOpening(e)} />
          </Field>
        </div>
      </Section>
      <Section title="Actions">
        {busy || progress ? (
          <div class="progress" id="progress">
            <b>{busy ?? ""}</b> {progressText ?? (busy === "approving" ? "approving the engine" : busy ? "reading the chain / sending" : "")}
            {pct !== undefined ? <progress max={100} value={pct} /> : progress ? <progress /> : null}
          </div>
        ) : null}
        {result ? <p class={result.ok ? "ok" : "error"} id="result">{result.text}</p> : null}
        <div class="forms">
          <form id="deposit-form" onSubmit={(e) => { e.preventDefault(); void deposit(); }}>
            <h3>Deposit</h3>
            <Field label="Asset" name="Deposit asset" error={errors["Deposit asset"]}>
              <select name="depositAsset" value={form.depositAsset} onChange={set("depositAsset")}>{d.tokens.map((t) => <option>{t.symbol}</option>)}</select>
            </Field>
            <Field label="Amount" name="Deposit amount" error={errors["Deposit amount"]}>
              <input name="depositAmount" value={form.depositAmount} onInput={set("depositAmount")} placeholder="e.g. 5000" />
            </Field>
            {snap?.keeperId === 0n ? (
              <Field label="Keeper id" name="Keeper id" error={errors["Keeper id"]}>
                <input name="keeperId" value={form.keeperId} onInput={set("keeperId")} />
              </Field>
            ) : null}
            <button type="submit" disabled={busy !== undefined || trader === undefined}>Prove and deposit</button>
          </form>
          {snap?.frozen ? (
            <form id="settle-form" onSubmit={(e) => { e.preventDefault(); void settle(); }}>
              <h3>Settle</h3>
              <p class="hint" id="settlement">{settleText(snap, d.tokens.find((t) => t.slot === 0)!)}</p>
              <Field label="" name="Settle" error={errors.Settle}>
                <button type="submit" disabled={busy !== undefined || trader === undefined}>Prove and settle</button>
              </Field>
            </form>
          ) : null}
          <form id="trade-form" onSubmit={(e) => { e.preventDefault(); void trade(); }}>
            <h3>Trade</h3>
            <Field label="Market" name="Market" error={errors.Market}>
              <select name="market" value={form.market} onChange={set("market")}>{d.markets.map((m) => <option>{m.symbol}</option>)}</select>
            </Field>
            <Field label="Size (signed)" name="Size" error={errors.Size}>
              <input name="size" value={form.size} onInput={set("size")} placeholder="e.g. 0.5 or -0.5" />
            </Field>
            <button type="submit" disabled={busy !== undefined || trader === undefined || snap?.frozen === true} title={snap?.frozen ? "a frozen account can only deposit and settle" : undefined}>Prove and trade</button>
          </form>
          <form id="withdraw-form" onSubmit={(e) => { e.preventDefault(); void withdraw(); }}>
            <h3>Withdraw</h3>
            <Field label="Asset" name="Withdraw asset" error={errors["Withdraw asset"]}>
              <select name="withdrawAsset" value={form.withdrawAsset} onChange={set("withdrawAsset")}>{d.tokens.map((t) => <option>{t.symbol}</option>)}</select>
            </Field>
            <Field label="Amount" name="Withdraw amount" error={errors["Withdraw amount"]}>
              <input name="withdrawAmount" value={form.withdrawAmount} onInput={set("withdrawAmount")} />
            </Field>
            <button type="submit" disabled={busy !== undefined || trader === undefined || snap?.frozen === true} title={snap?.frozen ? "a frozen account can only deposit and settle" : undefined}>Prove and withdraw</button>
          </form>
          <form id="renew-form" onSubmit={(e) => { e.preventDefault(); void renew(); }}>
            <h3>Renew the lease</h3>
            <p class="hint">A maintenance-margin proof at the current epoch.</p>
            <button type="submit" disabled={busy !== undefined || trader === undefined || snap?.frozen === true} title={snap?.frozen ? "a frozen account can only deposit and settle" : undefined}>Prove and renew</button>
          </form>
          {d.development ? (
            <form id="mint-form" onSubmit={(e) => { e.preventDefault(); void mint(); }}>
              <h3>Mint (development tokens)</h3>
              <Field label="Asset" name="Mint asset">
                <select name="mintAsset" value={form.mintAsset} onChange={set("mintAsset")}>{d.tokens.map((t) => <option>{t.symbol}</option>)}</select>
              </Field>
              <Field label="Amount" name="Mint amount" error={errors["Mint amount"]}>
                <input name="mintAmount" value={form.mintAmount} onInput={set("mintAmount")} />
              </Field>
              <button type="submit" disabled={busy !== undefined || signer === undefined}>Mint</button>
            </form>
          ) : null}
        </div>
      </Section>
    </div>
  );
}

function AccountView({ cfg, s }: { cfg: AppConfig; s: Snapshot }) {
  const d = cfg.deployment;
  const settlement = d.tokens.find((t) => t.slot === 0)!;
  const im = accountRequirement(s.view.positions, s.view.markets, true);
  const mm = accountRequirement(s.view.positions, s.view.markets, false);
  const imValue = basketValue(s.opening, s.view.initialWeights);
  const mmValue = basketValue(s.opening, s.view.maintenanceWeights);
  const lapse = s.lease.lapsesAt - s.now;
  const leaseText = s.lease.status === LeaseStatus.Inactive ? "no lease (no open position)" : lapse > 0n ? `${formatDuration(lapse)} left (lapses ${new Date(Number(s.lease.lapsesAt) * 1000).toISOString()})` : `lapsed ${formatDuration(-lapse)} ago`;
  const ratio = (v: bigint, r: bigint): number => (r === 0n ? 1 : Number((v * 1000n) / r) / 1000);
  return (
    <div id="account">
      <table class="kv">
        <tr><th>Owner</th><td id="owner" title={s.owner}>{s.owner}</td></tr>
        <tr><th>Commitment</th><td class="mono" id="commitment">{short(s.view.commitment.toString())}</td></tr>
        <tr><th>Keeper</th><td>{s.keeperId === 0n ? "none named yet" : `#${s.keeperId}`}{s.frozen ? " (FROZEN: settle)" : ""}</td></tr>
        <tr><th>Epoch</th><td>{s.view.epoch.toString()}</td></tr>
        <tr><th>Lease</th><td id="lease">{STATUS[Number(s.lease.status)] ?? String(s.lease.status)}: {leaseText}</td></tr>
      </table>
      <h3>Basket <small>(from this browser's opening; the chain holds only the commitment)</small></h3>
      <table class="grid" id="basket">
        <thead><tr><th>Asset</th><th>In the basket</th><th>In the wallet</th></tr></thead>
        <tbody>
          {d.tokens.map((t, i) => (
            <tr data-asset={t.symbol}><td>{t.symbol}</td><td class="num basket-amount">{formatUnits(s.opening[t.slot] ?? 0n, t.decimals)}</td><td class="num">{formatUnits(s.balances[i] ?? 0n, t.decimals)}</td></tr>
          ))}
        </tbody>
      </table>
      <h3>Positions</h3>
      {s.view.positions.size === 0 ? <p id="positions">none</p> : (
        <table class="grid" id="positions">
          <thead><tr><th>Market</th><th>Size</th><th>Entry</th><th>Mark</th><th>Unrealised</th><th>Funding owed</th></tr></thead>
          <tbody>
            {[...s.view.positions].map(([id, p]) => {
              const m = d.markets.find((x) => x.id === id);
              const mark = s.view.markets[id]!.mark;
              return <tr><td>{m?.symbol ?? id}</td><td class="num">{signed(p.size, POSITION_DECIMALS)}</td><td class="num">{formatUnits(p.entryPrice, PRICE_DECIMALS)}</td><td class="num">{formatUnits(mark, PRICE_DECIMALS)}</td><td class="num">{signed(realisedPnl(p.size, p.entryPrice, mark, settlement.decimals), settlement.decimals)} {settlement.symbol}</td><td class="num">{signed(funding(p.size, p.fundingIndex ?? 0n, s.view.markets[id]!.fundingIndex ?? 0n, settlement.decimals), settlement.decimals)} {settlement.symbol}</td></tr>;
            })}
          </tbody>
        </table>
      )}
      <h3>Margin</h3>
      <table class="grid" id="margin">
        <thead><tr><th></th><th>Requirement</th><th>Basket value</th><th>Headroom</th></tr></thead>
        <tbody>
          <tr><td>Initial</td><td class="num">{usd(im)}</td><td class="num">{usd(imValue)}</td><td class="num" id="headroom-initial">{signedUsd(imValue - im)}</td></tr>
          <tr><td>Maintenance</td><td class="num">{usd(mm)}</td><td class="num">{usd(mmValue)}</td><td class="num" id="headroom-maintenance">{signedUsd(mmValue - mm)}</td></tr>
        </tbody>
      </table>
      <Bar value={Math.min(ratio(mmValue, mm), 5)} max={5} kind={mmValue < mm ? "bad" : imValue < im ? "warn" : "ok"} label={mm === 0n ? `no requirement: headroom ${usd(mmValue)}` : `maintenance coverage ${ratio(mmValue, mm).toFixed(2)}x (initial ${ratio(imValue, im).toFixed(2)}x)`} />
    </div>
  );
}

/** What settling a frozen account does, in the settlement token. */
function settleText(s: Snapshot, t: DeployedToken): string {
  const amount = `${formatUnits(s.settlement < 0n ? -s.settlement : s.settlement, t.decimals)} ${t.symbol}`;
  const what = s.settlement < 0n ? `a debt of ${amount} leaves the basket's ${t.symbol} slot when it settles, with a proof`
    : s.settlement > 0n ? `${amount} owed to it enters the basket's ${t.symbol} slot when it settles, with a proof`
    : "nothing is owed either way: settling, with a proof, unfreezes it";
  return `The account was force-closed or liquidated and is frozen: ${what}. Until then it can only deposit and settle.`;
}

function formatDuration(s: bigint): string {
  const n = Number(s);
  const h = Math.floor(n / 3600);
  const m = Math.floor((n % 3600) / 60);
  return h > 0 ? `${h} h ${m} min` : `${m} min ${n % 60} s`;
}
