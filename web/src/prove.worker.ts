/**
 * The proving worker: fetches a circuit's witness generator (wasm) and proving key (zkey) once,
 * through the Cache API (so a second visit proves without downloading them again), then computes
 * the witness and the Groth16 proof with snarkjs' browser build, off the page's thread.
 *
 * In:  { type: "load", id, wasmUrl, zkeyUrl, snarkjsUrl }
 *      { type: "prove", id, wasmUrl, zkeyUrl, snarkjsUrl, input }
 * Out: { id, type: "progress", stage: "download" | "witness" | "prove", loaded?, total? }
 *      { id, type: "loaded", cached, loadMs }
 *      { id, type: "done", proof, publicSignals, witnessMs, proveMs, loadMs, cached }
 *      { id, type: "error", message }
 */
declare function importScripts(...urls: string[]): void;
declare const snarkjs: {
  wtns: { calculate(input: unknown, wasm: unknown, wtns: unknown): Promise<void> };
  groth16: { prove(zkey: unknown, wtns: unknown): Promise<{ proof: unknown; publicSignals: string[] }> };
};

type Post = (msg: Record<string, unknown>) => void;
const post: Post = (msg) => (self as unknown as { postMessage: Post }).postMessage(msg);

const CACHE = "plimsoll-keys-v1";
const files = new Map<string, Promise<{ data: Uint8Array; cached: boolean }>>();
let loadedSnarkjs = false;

async function fetchBytes(id: number, url: string, onBytes: (n: number, total: number) => void): Promise<{ data: Uint8Array; cached: boolean }> {
  const cache = typeof caches === "undefined" ? undefined : await caches.open(CACHE);
  let res = cache === undefined ? undefined : await cache.match(url);
  const cached = res !== undefined;
  if (res === undefined) {
    res = await fetch(url);
    if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${res.statusText}`);
    if (cache !== undefined) await cache.put(url, res.clone());
  }
  const total = Number(res.headers.get("content-length") ?? 0);
  const reader = res.body!.getReader();
  const parts: Uint8Array[] = [];
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    n += value.length;
    onBytes(value.length, total);
  }
  const data = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    data.set(p, at);
    at += p.length;
  }
  void id;
  return { data, cached };
}

async function load(id: number, wasmUrl: string, zkeyUrl: string, snarkjsUrl: string): Promise<{ wasm: Uint8Array; zkey: Uint8Array; cached: boolean; loadMs: number }> {
  const t0 = performance.now();
  if (!loadedSnarkjs) {
    importScripts(snarkjsUrl);
    loadedSnarkjs = true;
  }
  let loaded = 0;
  let total = 0;
  const progress = (n: number, t: number, first: boolean): void => {
    loaded += n;
    if (first) total += t;
    post({ id, type: "progress", stage: "download", loaded, total });
  };
  const get = (url: string): Promise<{ data: Uint8Array; cached: boolean }> => {
    let p = files.get(url);
    if (p === undefined) {
      let seen = false;
      p = fetchBytes(id, url, (n, t) => { progress(n, t, !seen); seen = true; });
      files.set(url, p);
      p.catch(() => files.delete(url));
    }
    return p;
  };
  const [wasm, zkey] = await Promise.all([get(wasmUrl), get(zkeyUrl)]);
  return { wasm: wasm.data, zkey: zkey.data, cached: wasm.cached && zkey.cached, loadMs: performance.now() - t0 };
}

self.onmessage = async (ev: MessageEvent) => {
  const m = ev.data as { type: "load" | "prove"; id: number; wasmUrl: string; zkeyUrl: string; snarkjsUrl: string; input?: Record<string, unknown> };
  try {
    const { wasm, zkey, cached, loadMs } = await load(m.id, m.wasmUrl, m.zkeyUrl, m.snarkjsUrl);
    if (m.type === "load") {
      post({ id: m.id, type: "loaded", cached, loadMs });
      return;
    }
    post({ id: m.id, type: "progress", stage: "witness" });
    const t0 = performance.now();
    const wtns: { type: string; data?: Uint8Array } = { type: "mem" };
    await snarkjs.wtns.calculate(m.input, wasm, wtns);
    const t1 = performance.now();
    post({ id: m.id, type: "progress", stage: "prove" });
    const { proof, publicSignals } = await snarkjs.groth16.prove(zkey, wtns);
    const t2 = performance.now();
    post({ id: m.id, type: "done", proof, publicSignals, witnessMs: t1 - t0, proveMs: t2 - t1, loadMs, cached });
  } catch (err) {
    post({ id: m.id, type: "error", message: err instanceof Error ? err.message : String(err) });
  }
};
