/**
 * The auditor's page: a custodian's reserves period as the ReserveRegistry records it (root, epoch,
 * clients, each batch's status, verified or not, reserves per asset), the per-asset client totals from
 * the period's public period.json once they are shown to be the proven ones (their opening hashes to
 * the registry's last state), liabilities against reserves as a chart and the coverage ratio; and a
 * client's inclusion check, entirely in the browser, from the client's own inclusion file against the
 * registry's root.
 */
import { useEffect, useMemo, useState } from "preact/hooks";
import type { Contract } from "ethers";
import { checkInclusion, formatNormalised, idHash, INCLUSION_KIND, inclusionProofFromJson, initPoseidon, N_ASSETS, periodTag, sumsHash, type InclusionFileJson, type InclusionProof, type PeriodFileJson } from "../lib.js";
import { contracts, explain, readProvider, type AppConfig } from "../chain.js";
import { Chart, Field, Section, short } from "../ui.js";

interface PeriodRef { custodian: string; periodIndex: number; epoch: bigint; block: number }

interface RegistryPeriod {
  ref: PeriodRef;
  clientCount: number;
  batchCount: number;
  nextBatch: number;
  verified: boolean;
  root: bigint;
  lastState: bigint;
  weightsHash: bigint;
  reserves: bigint[];
  batches: { index: number; submitter: string; block: number }[];
}

interface Totals { assetSums: bigint[]; liabilitySums: bigint[]; proven: boolean; reason?: string; assets: { symbol: string; slot: number }[] }

async function readPeriods(registry: Contract, fromBlock: number): Promise<PeriodRef[]> {
  const evs = await registry.queryFilter(registry.filters.PeriodOpened!(), fromBlock);
  return evs.map((e) => {
    const a = (e as unknown as { args: { custodian: string; periodIndex: bigint; epoch: bigint } }).args;
    return { custodian: a.custodian, periodIndex: Number(a.periodIndex), epoch: BigInt(a.epoch), block: e.blockNumber };
  });
}

async function readPeriod(registry: Contract, ref: PeriodRef, fromBlock: number): Promise<RegistryPeriod> {
  const [p, reserves, evs] = await Promise.all([
    registry.period!(ref.custodian, ref.periodIndex),
    registry.reservesOf!(ref.custodian, ref.periodIndex),
    registry.queryFilter(registry.filters.BatchVerified!(ref.custodian, ref.periodIndex), fromBlock),
  ]);
  return {
    ref,
    clientCount: Number(p.clientCount),
    batchCount: Number(p.batchCount),
    nextBatch: Number(p.nextBatch),
    verified: Boolean(p.verified),
    root: BigInt(p.root),
    lastState: BigInt(p.lastState),
    weightsHash: BigInt(p.weightsHash),
    reserves: [...(reserves as bigint[])].map(BigInt),
    batches: evs.map((e) => {
      const a = (e as unknown as { args: { batchIndex: bigint; submitter: string } }).args;
      return { index: Number(a.batchIndex), submitter: a.submitter, block: e.blockNumber };
    }),
  };
}

/** The period file's totals, checked against the registry: their opening must hash to its last state. */
async function totalsOf(period: PeriodFileJson, r: RegistryPeriod): Promise<Totals> {
  const h = await initPoseidon();
  const fs = period.finalState;
  const assetSums = fs.assetSums.map(BigInt);
  const liabilitySums = fs.liabilitySums.map(BigInt);
  const assets = period.assets.map((a) => ({ symbol: a.symbol, slot: a.slot }));
  let reason: string | undefined;
  if (period.custodian.toLowerCase() !== r.ref.custodian.toLowerCase() || period.periodIndex !== r.ref.periodIndex) reason = `period.json is ${period.custodian} period ${period.periodIndex}, not this one`;
  else if (BigInt(period.root) !== r.root) reason = "period.json's root is not the registry's";
  else {
    const tag = periodTag(r.ref.custodian, r.ref.periodIndex);
    const opened = h([tag, BigInt(fs.count), BigInt(fs.lastIdHash), sumsHash(h, assetSums, liabilitySums), BigInt(fs.frontierHash), r.root]);
    if (opened !== r.lastState) reason = "the totals' opening does not hash to the registry's last state";
    else if (fs.count !== r.clientCount) reason = "the client count differs from the registry's";
  }
  return { assetSums, liabilitySums, proven: reason === undefined, ...(reason === undefined ? {} : { reason }), assets };
}

const ratio = (num: bigint, den: bigint): number | undefined => (den > 0n ? Number((num * 1_000_000n) / den) / 1_000_000 : undefined);

export function AuditorPage({ cfg }: { cfg: AppConfig }) {
  const registry = useMemo(() => contracts(cfg, readProvider(cfg)).reserveRegistry, [cfg]);
  const [periods, setPeriods] = useState<PeriodRef[] | undefined>();
  const [selected, setSelected] = useState(0);
  const [state, setState] = useState<RegistryPeriod | undefined>();
  const [totals, setTotals] = useState<Totals | undefined>();
  const [error, setError] = useState<string | undefined>();

  useEffect(() => {
    if (registry === undefined) return setError("the deployment has no reserve registry");
    readPeriods(registry, cfg.deployment.deployBlock).then((p) => { setPeriods(p); setSelected(Math.max(0, p.length - 1)); }, (e) => setError(explain(e)));
  }, [registry]);

  useEffect(() => {
    const ref = periods?.[selected];
    if (ref === undefined || registry === undefined) return;
    setTotals(undefined);
    void (async () => {
      try {
        const r = await readPeriod(registry, ref, cfg.deployment.deployBlock);
        setState(r);
        const url = cfg.periods[`${ref.custodian.toLowerCase()}/${ref.periodIndex}`];
        if (url !== undefined) {
          const res = await fetch(url);
          if (res.ok) setTotals(await totalsOf((await res.json()) as PeriodFileJson, r));
        }
      } catch (e) {
        setError(explain(e));
      }
    })();
  }, [periods, selected]);

  async function loadPeriodFile(e: Event): Promise<void> {
    const file = (e.target as HTMLInputElement).files?.[0];
    if (file === undefined || state === undefined) return;
    try {
      const json = JSON.parse(await file.text()) as PeriodFileJson;
      if (json?.kind !== "plimsoll.reserves.period") throw new Error("not a reserves period.json");
      setTotals(await totalsOf(json, state));
    } catch (err) {
      setError(`period file: ${(err as Error).message}`);
    }
  }

  const rows = state === undefined ? [] : cfg.deployment.tokens.map((t) => {
    const reserves = state.reserves[t.slot] ?? 0n;
    const net = totals === undefined ? undefined : (totals.assetSums[t.slot] ?? 0n) - (totals.liabilitySums[t.slot] ?? 0n);
    return { t, reserves, net, coverage: net === undefined ? undefined : ratio(reserves, net) };
  });
  const coverages = rows.map((r) => r.coverage).filter((x): x is number => x !== undefined);
  const minCoverage = coverages.length === 0 ? undefined : Math.min(...coverages);
  // One small chart per asset (their units differ by orders of magnitude): net owed to clients against reserves.
  const n = Math.max(rows.length, 1);
  const chart = {
    tooltip: { trigger: "item" },
    title: rows.map((r, i) => ({ text: r.t.symbol, left: `${(i * 100) / n + 50 / n}%`, textAlign: "center", top: 0, textStyle: { fontSize: 13 } })),
    grid: rows.map((_, i) => ({ left: `${(i * 100) / n + 7}%`, width: `${100 / n - 11}%`, top: 36, bottom: 28 })),
    xAxis: rows.map((_, i) => ({ type: "category", gridIndex: i, data: ["net owed to clients", "reserves"] })),
    yAxis: rows.map((r, i) => ({ type: "value", gridIndex: i, name: r.t.symbol })),
    series: rows.map((r, i) => ({
      type: "bar", xAxisIndex: i, yAxisIndex: i, barWidth: "45%",
      data: [
        { value: r.net === undefined ? null : Number(r.net) / 1e6, itemStyle: { color: "#5470c6" } },
        { value: Number(r.reserves) / 1e6, itemStyle: { color: r.net !== undefined && r.reserves < r.net ? "#e76f51" : "#2a9d8f" } },
      ],
    })),
  };

  return (
    <div class="page" id="auditor">
      <Section title="Reserves period">
        {error ? <p class="error">{error}</p> : null}
        {periods === undefined ? <p>reading the registry…</p> : periods.length === 0 ? <p id="no-period">no period published on this registry yet</p> : (
          <Field label="Period" name="Period">
            <select id="period-select" value={String(selected)} onChange={(e) => setSelected(Number((e.target as HTMLSelectElement).value))}>
              {periods.map((p, i) => <option value={String(i)}>{short(p.custodian)} period {p.periodIndex} (epoch {p.epoch.toString()})</option>)}
            </select>
          </Field>
        )}
        {state ? (
          <div id="period">
            <table class="kv">
              <tr><th>Custodian</th><td class="mono">{state.ref.custodian}</td></tr>
              <tr><th>Status</th><td id="period-status">{state.verified ? <span class="badge ok">verified on-chain</span> : <span class="badge wait">not verified ({state.nextBatch} of {state.batchCount} batches)</span>}</td></tr>
              <tr><th>Oracle epoch</th><td>{state.ref.epoch.toString()}</td></tr>
              <tr><th>Clients</th><td>{state.clientCount}</td></tr>
              <tr><th>Root</th><td class="mono">{short(state.root.toString())}</td></tr>
              <tr><th>Coverage ratio</th><td id="coverage">{minCoverage === undefined ? (totals === undefined ? "load period.json for the liabilities" : "no net liabilities") : `${minCoverage.toFixed(4)} (lowest asset)`}</td></tr>
              <tr><th>Totals</th><td id="totals-status">{totals === undefined ? "-" : totals.proven ? <span class="badge ok">period.json totals are the proven ones</span> : <span class="badge bad">{totals.reason}</span>}</td></tr>
            </table>
            <h3>Batches</h3>
            <table class="grid" id="batches">
              <thead><tr><th>Batch</th><th>Status</th><th>Submitted by</th><th>Block</th></tr></thead>
              <tbody>
                {Array.from({ length: state.batchCount }, (_, i) => {
                  const b = state.batches.find((x) => x.index === i);
                  return <tr><td>{i}</td><td>{b ? <span class="badge ok">verified</span> : <span class="badge wait">waiting</span>}</td><td class="mono">{b ? short(b.submitter) : ""}</td><td>{b?.block ?? ""}</td></tr>;
                })}
                <tr><td>final</td><td>{state.verified ? <span class="badge ok">verified</span> : <span class="badge wait">waiting</span>}</td><td></td><td></td></tr>
              </tbody>
            </table>
            <h3>Liabilities against reserves</h3>
            <table class="grid" id="assets">
              <thead><tr><th>Asset</th><th>Net owed to clients</th><th>Reserves</th><th>Coverage</th></tr></thead>
              <tbody>
                {rows.map((r) => <tr data-asset={r.t.symbol}><td>{r.t.symbol}</td><td class="num">{r.net === undefined ? "?" : formatNormalised(r.net)}</td><td class="num">{formatNormalised(r.reserves)}</td><td class="num">{r.coverage === undefined ? "-" : r.coverage.toFixed(4)}</td></tr>)}
              </tbody>
            </table>
            <Chart option={chart} id="reserves-chart" />
            {cfg.periods[`${state.ref.custodian.toLowerCase()}/${state.ref.periodIndex}`] === undefined ? (
              <Field label="The custodian's period.json (public)" name="Period file"><input type="file" id="period-file" accept=".json" onChange={(e) => void loadPeriodFile(e)} /></Field>
            ) : null}
          </div>
        ) : null}
      </Section>
      <InclusionCheck cfg={cfg} registry={registry} />
    </div>
  );
}

function InclusionCheck({ cfg, registry }: { cfg: AppConfig; registry: Contract | undefined }) {
  const [id, setId] = useState("");
  const [file, setFile] = useState<{ name: string; text: string } | undefined>();
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [result, setResult] = useState<{ valid: boolean; text: string; detail?: string } | undefined>();
  const [busy, setBusy] = useState(false);

  async function check(e: Event): Promise<void> {
    e.preventDefault();
    setResult(undefined);
    const errs: Record<string, string> = {};
    if (id.trim() === "") errs["Client id"] = "Client id: is required (the id the custodian knows you by)";
    if (file === undefined) errs["Inclusion file"] = "Inclusion file: choose your inclusion file (inclusion/<idHash>.json)";
    let json: InclusionFileJson | undefined;
    if (file !== undefined) {
      try {
        json = JSON.parse(file.text) as InclusionFileJson;
        if (json?.kind !== INCLUSION_KIND) errs["Inclusion file"] = `Inclusion file: ${file.name} is not a reserves inclusion file`;
      } catch {
        errs["Inclusion file"] = `Inclusion file: ${file.name} is not JSON`;
      }
    }
    setErrors(errs);
    if (Object.keys(errs).length > 0 || json === undefined || registry === undefined) return;
    setBusy(true);
    try {
      const h = await initPoseidon();
      let reason: string | undefined;
      let proof: InclusionProof | undefined;
      try {
        proof = inclusionProofFromJson(json);
      } catch (err) {
        reason = (err as Error).message;
      }
      // The root comes from the registry, never from the file.
      const p = await registry.period!(json.custodian, json.periodIndex).catch(() => undefined);
      if (p === undefined) reason ??= `the registry has no period ${json.periodIndex} of ${json.custodian}`;
      const root = p === undefined ? 0n : BigInt(p.root);
      if (proof !== undefined && reason === undefined) {
        if (proof.id !== id.trim()) reason = `the file is for id ${JSON.stringify(proof.id)}, not ${JSON.stringify(id.trim())}`;
        else if (proof.idHash !== idHash(id.trim())) reason = "the file's idHash is not sha256(id) >> 8";
        else reason = checkInclusion(h, proof, root);
      }
      const balances = proof === undefined ? "" : (json.assetInfo ?? []).map((a) => `${a.symbol} ${formatNormalised(proof.assets[a.slot] ?? 0n)} (debt ${formatNormalised(proof.liabilities[a.slot] ?? 0n)})`).join(", ");
      setResult(reason === undefined
        ? { valid: true, text: `INCLUDED: client ${JSON.stringify(proof!.id)} is leaf ${proof!.index} of ${proof!.clientCount} under the registry's root for ${short(json.custodian)} period ${json.periodIndex}${p?.verified ? " (verified)" : " (not verified yet)"}`, detail: `balances in the leaf: ${balances}` }
        : { valid: false, text: `NOT SHOWN: ${reason}` });
    } catch (err) {
      setResult({ valid: false, text: `NOT SHOWN: ${explain(err)}` });
    } finally {
      setBusy(false);
    }
  }

  void N_ASSETS;
  return (
    <Section title="Client inclusion check (in this browser)">
      <p class="hint">Your inclusion file never leaves the browser: the path is hashed here with Poseidon up to the root the registry holds on-chain.</p>
      <form id="inclusion-form" onSubmit={(e) => void check(e)}>
        <Field label="Client id" name="Client id" error={errors["Client id"]}>
          <input name="clientId" value={id} onInput={(e) => setId((e.target as HTMLInputElement).value)} placeholder="e.g. alice" />
        </Field>
        <Field label="Inclusion file" name="Inclusion file" error={errors["Inclusion file"]}>
          <input type="file" id="inclusion-file" accept=".json" onChange={async (e) => {
            const f = (e.target as HTMLInputElement).files?.[0];
            setFile(f === undefined ? undefined : { name: f.name, text: await f.text() });
          }} />
        </Field>
        <button type="submit" disabled={busy}>Check my inclusion</button>
      </form>
      {result ? <div id="inclusion-result" class={result.valid ? "ok" : "error"} data-valid={String(result.valid)}><b>{result.text}</b>{result.detail ? <p>{result.detail}</p> : null}</div> : null}
    </Section>
  );
}
