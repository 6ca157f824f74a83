/**
 * The oracle's page: prices, haircuts and market margin ratios over the recorded epochs (one
 * EpochClosed event each; every value read with eth_call at the block that closed the epoch), and each
 * asset's circuit-breaker state now.
 */
import { useEffect, useState } from "preact/hooks";
import { formatUnits, PRICE_DECIMALS } from "../lib.js";
import { contracts, explain, readProvider, type AppConfig } from "../chain.js";
import { Chart, Section } from "../ui.js";

interface EpochRow {
  epoch: number;
  timestamp: number;
  block: number;
  prices: number[];
  haircuts: [number, number][];
  ratios: [number, number][];
}

/** Epochs shown at most (the latest ones). */
const MAX_EPOCHS = 60;
const pct = (wad: bigint): number => Number((wad * 1_000_000n) / 10n ** 18n) / 10_000;

export function OraclePage({ cfg }: { cfg: AppConfig }) {
  const d = cfg.deployment;
  const [rows, setRows] = useState<EpochRow[] | undefined>();
  const [risk, setRisk] = useState<{ symbol: string; frozen: boolean; coolingOff: bigint }[]>([]);
  const [error, setError] = useState<string | undefined>();

  useEffect(() => {
    void (async () => {
      try {
        const { oracle } = contracts(cfg, readProvider(cfg));
        const evs = (await oracle.queryFilter(oracle.filters.EpochClosed!(), d.deployBlock)).slice(-MAX_EPOCHS);
        const out: EpochRow[] = [];
        for (const e of evs) {
          const a = (e as unknown as { args: { epoch: bigint; timestamp: bigint } }).args;
          const at = { blockTag: e.blockNumber };
          const [prices, haircuts, ratios] = await Promise.all([
            Promise.all(d.tokens.map((t) => oracle.price(t.slot, at))),
            Promise.all(d.tokens.map((t) => oracle.haircuts(t.slot, at))),
            Promise.all(d.markets.map((m) => oracle.marketRatios(m.id, at))),
          ]);
          out.push({
            epoch: Number(a.epoch),
            timestamp: Number(a.timestamp),
            block: e.blockNumber,
            prices: prices.map((p) => Number(formatUnits(BigInt(p), PRICE_DECIMALS))),
            haircuts: haircuts.map((h) => [pct(BigInt(h[0])), pct(BigInt(h[1]))]),
            ratios: ratios.map((r) => [pct(BigInt(r[0])), pct(BigInt(r[1]))]),
          });
        }
        const now = await Promise.all(d.tokens.map(async (t) => {
          const [frozen, coolingOff] = await oracle.riskState(t.slot);
          return { symbol: t.symbol, frozen: Boolean(frozen), coolingOff: BigInt(coolingOff) };
        }));
        setRisk(now);
        setRows(out);
      } catch (e) {
        setError(explain(e));
      }
    })();
  }, []);

  if (error) return <p class="error">{error}</p>;
  if (rows === undefined) return <p>reading the recorded epochs…</p>;
  const x = rows.map((r) => String(r.epoch));
  const base = (name: string, unit: string, log = false) => ({
    title: { text: name, left: 8, textStyle: { fontSize: 13 } },
    tooltip: { trigger: "axis" },
    legend: { top: 0, left: 140, right: 10 },
    grid: { left: 70, right: 30, top: 64, bottom: 30 },
    xAxis: { type: "category", data: x, name: "epoch" },
    yAxis: log ? { type: "log", name: unit } : { type: "value", name: unit, scale: true },
  });
  const prices = { ...base("Prices", "USD", true), series: d.tokens.map((t, i) => ({ name: t.symbol, type: "line", data: rows.map((r) => r.prices[i]) })) };
  const haircuts = {
    ...base("Haircuts", "%"),
    series: d.tokens.flatMap((t, i) => [
      { name: `${t.symbol} initial`, type: "line", data: rows.map((r) => r.haircuts[i]![0]) },
      { name: `${t.symbol} maintenance`, type: "line", lineStyle: { type: "dashed" }, data: rows.map((r) => r.haircuts[i]![1]) },
    ]),
  };
  const ratios = {
    ...base("Market margin ratios", "%"),
    series: d.markets.flatMap((m, i) => [
      { name: `${m.symbol} IM`, type: "line", data: rows.map((r) => r.ratios[i]![0]) },
      { name: `${m.symbol} MM`, type: "line", lineStyle: { type: "dashed" }, data: rows.map((r) => r.ratios[i]![1]) },
    ]),
  };
  const last = rows[rows.length - 1];
  return (
    <div class="page" id="oracle">
      <Section title={`Oracle: ${rows.length} recorded epoch(s)${last ? `, latest ${last.epoch} at ${new Date(last.timestamp * 1000).toISOString()}` : ""}`}>
        <Chart option={prices} id="prices-chart" height={260} />
        <Chart option={haircuts} id="haircuts-chart" height={260} />
        <Chart option={ratios} id="ratios-chart" height={260} />
      </Section>
      <Section title="Circuit breakers now">
        <table class="grid" id="risk">
          <thead><tr><th>Asset</th><th>Price now</th><th>Haircut (initial / maintenance)</th><th>State</th></tr></thead>
          <tbody>
            {risk.map((r, i) => (
              <tr><td>{r.symbol}</td><td class="num">{last?.prices[i] ?? "-"}</td><td class="num">{last ? `${last.haircuts[i]![0]}% / ${last.haircuts[i]![1]}%` : "-"}</td>
                <td>{r.frozen ? <span class="badge bad">frozen (no valid price)</span> : r.coolingOff > 0n ? <span class="badge bad">cooling off ({r.coolingOff.toString()} samples)</span> : <span class="badge ok">fresh</span>}</td></tr>
            ))}
          </tbody>
        </table>
      </Section>
    </div>
  );
}
