/**
 * The keeper's page: the accounts the keeper daemon watches (its state folder, served by the dev
 * server with `--keeper-state DIR`: the openings it decrypted from the notes sent to its key), each
 * one's health at the oracle's current epoch (basket value at maintenance weights against the
 * maintenance requirement of its public positions, the library's pure functions), its lease, what is
 * pending (liquidation when unhealthy, force-close when the lease is expired), and the daemon's log.
 * Without a state folder it lists the accounts naming a keeper from the engine's events, public facts only.
 */
import { useEffect, useState } from "preact/hooks";
import { accountRequirement, basketValue, LeaseStatus, usd, type MarketQuote, type PositionState } from "../lib.js";
import { contracts, explain, readProvider, type AppConfig } from "../chain.js";
import { Section, short } from "../ui.js";

interface StateDoc {
  keeperId: string;
  lastBlock: number | null;
  lastEpochEvaluated: string;
  accounts: { address: string; commitment: string; amounts: string[] | null; keeperId: string }[];
  /** keeper.log entries (prover/src/keeper/log.ts): time, level, event, message, account. */
  log: { time?: string; level?: string; event?: string; message?: string; account?: string; [k: string]: unknown }[];
}

interface Row {
  address: string;
  keeperId: bigint;
  decrypted: boolean;
  value?: bigint;
  requirement: bigint;
  lease: bigint;
  lapsesAt: bigint;
  closableAt: bigint;
  frozen: boolean;
}

const STATUS = ["inactive", "current", "lapsed", "expired"];

export function KeeperPage({ cfg }: { cfg: AppConfig }) {
  const [rows, setRows] = useState<Row[] | undefined>();
  const [doc, setDoc] = useState<StateDoc | undefined>();
  const [epoch, setEpoch] = useState<bigint>(0n);
  const [now, setNow] = useState<bigint>(0n);
  const [error, setError] = useState<string | undefined>();

  useEffect(() => {
    void (async () => {
      try {
        const p = readProvider(cfg);
        const { engine, oracle } = contracts(cfg, p);
        let state: StateDoc | undefined;
        if (cfg.keeperState !== null) {
          const r = await fetch(cfg.keeperState);
          if (r.ok) state = (await r.json()) as StateDoc;
        }
        setDoc(state);
        let addresses: string[];
        if (state !== undefined) addresses = state.accounts.map((a) => a.address);
        else {
          const evs = await engine.queryFilter(engine.filters.AccountUpdated!(), cfg.deployment.deployBlock);
          addresses = [...new Set(evs.map((e) => (e as unknown as { args: { account: string } }).args.account))];
        }
        const [ep, vectors, count, block] = await Promise.all([oracle.currentEpoch(), oracle.weightVectors(), oracle.marketCount(), p.getBlock("latest")]);
        setEpoch(BigInt(ep));
        setNow(BigInt(block?.timestamp ?? 0));
        const mmWeights = (vectors[1] as bigint[]).map(BigInt);
        const markets: MarketQuote[] = await Promise.all(Array.from({ length: Number(count) }, async (_, j) => {
          const [mark, ratios] = await Promise.all([oracle.markPrice(j), oracle.marketRatios(j)]);
          return { mark: BigInt(mark), imRatio: BigInt(ratios[0]), mmRatio: BigInt(ratios[1]) };
        }));
        setRows(await Promise.all(addresses.map(async (address): Promise<Row> => {
          const [account, lease, ...pos] = await Promise.all([engine.accountOf(address), engine.leaseOf(address), ...markets.map((_, j) => engine.positionOf(address, j))]);
          const positions = new Map<number, PositionState>();
          pos.forEach((x, j) => { if (BigInt(x.size) !== 0n) positions.set(j, { size: BigInt(x.size), entryPrice: BigInt(x.entryPrice) }); });
          const watched = state?.accounts.find((a) => a.address.toLowerCase() === address.toLowerCase());
          const amounts = watched?.amounts?.map(BigInt);
          return {
            address,
            keeperId: BigInt(account.keeperId),
            decrypted: amounts !== undefined,
            ...(amounts === undefined ? {} : { value: basketValue(amounts, mmWeights) }),
            requirement: accountRequirement(positions, markets, false),
            lease: BigInt(lease[0]),
            lapsesAt: BigInt(lease[1]),
            closableAt: BigInt(lease[2]),
            frozen: Boolean(account.frozen),
          };
        })));
      } catch (e) {
        setError(explain(e));
      }
    })();
  }, []);

  if (error) return <p class="error">{error}</p>;
  if (rows === undefined) return <p>reading the watched accounts…</p>;
  return (
    <div class="page" id="keeper">
      <Section title={`Watched accounts at epoch ${epoch}${doc ? ` (keeper #${doc.keeperId}, state at block ${doc.lastBlock ?? "-"})` : " (no keeper state given: public facts only)"}`}>
        {rows.length === 0 ? <p>no account yet</p> : (
          <table class="grid" id="watched">
            <thead><tr><th>Account</th><th>Keeper</th><th>Value (maintenance)</th><th>Requirement</th><th>Health</th><th>Lease</th><th>Pending</th></tr></thead>
            <tbody>
              {rows.map((r) => {
                const healthy = r.value === undefined ? undefined : r.value >= r.requirement;
                const pending = r.frozen ? "settle (owner)" : healthy === false ? "liquidate" : r.lease === LeaseStatus.Expired && r.closableAt <= now ? "force-close" : r.lease === LeaseStatus.Lapsed ? `force-close from ${new Date(Number(r.closableAt) * 1000).toISOString()}` : "-";
                return (
                  <tr>
                    <td class="mono" title={r.address}>{short(r.address)}</td>
                    <td>{r.keeperId === 0n ? "-" : `#${r.keeperId}`}</td>
                    <td class="num">{r.value === undefined ? "not decrypted" : usd(r.value)}</td>
                    <td class="num">{usd(r.requirement)}</td>
                    <td>{healthy === undefined ? "?" : healthy ? <span class="badge ok">{r.requirement === 0n ? "no position" : `${(Number((r.value! * 100n) / r.requirement) / 100).toFixed(2)}x`}</span> : <span class="badge bad">insolvent</span>}</td>
                    <td>{STATUS[Number(r.lease)] ?? String(r.lease)}{r.lease === LeaseStatus.Current ? ` until ${new Date(Number(r.lapsesAt) * 1000).toISOString()}` : ""}</td>
                    <td>{pending}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </Section>
      {doc ? (
        <Section title="Daemon log (latest first)">
          <table class="grid" id="keeper-log">
            <thead><tr><th>Time</th><th>Level</th><th>Event</th><th>Account</th><th>What</th></tr></thead>
            <tbody>{doc.log.filter((e) => e.level !== "debug").slice(-50).reverse().map((e) => <tr><td class="mono">{String(e.time ?? "")}</td><td>{String(e.level ?? "")}</td><td>{String(e.event ?? "")}</td><td class="mono">{e.account ? short(e.account) : ""}</td><td>{String(e.message ?? JSON.stringify(e))}</td></tr>)}</tbody>
          </table>
        </Section>
      ) : null}
    </div>
  );
}
