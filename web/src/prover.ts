/**
 * `WorkerProver`: the library's `Prover` interface (`prove(circuit, input, onProgress)`), backed by a
 * Web Worker (prove.worker.ts) instead of a child process, so `Trader` proves in the browser unchanged.
 * `CircuitArtifacts` paths are URLs here (the dev server serves build/'s wasm and zkey).
 */
import type { CircuitArtifacts, ProofOutput, ProofStage } from "./lib.js";

/** Finer progress than the library's stages: the key download, in bytes. */
export interface ProgressEvent {
  stage: "download" | ProofStage;
  loaded?: number;
  total?: number;
}

type Pending = { resolve: (v: Record<string, unknown>) => void; reject: (e: Error) => void; onProgress?: (p: ProgressEvent) => void };

export class WorkerProver {
  private worker: Worker | undefined;
  private next = 1;
  private readonly pending = new Map<number, Pending>();
  /** Progress of every request (the page's progress bar). */
  onProgress: ((p: ProgressEvent) => void) | undefined;
  /** Timings of the last proof (witness, prove, key load), in ms. */
  last: { witnessMs: number; proveMs: number; loadMs: number; cached: boolean } | undefined;

  constructor(private readonly snarkjsUrl: string) {}

  private ensure(): Worker {
    if (this.worker !== undefined) return this.worker;
    const w = new Worker(new URL("./prove.worker.ts", import.meta.url));
    w.onmessage = (ev: MessageEvent) => {
      const m = ev.data as Record<string, unknown> & { id: number; type: string };
      const p = this.pending.get(m.id);
      if (p === undefined) return;
      if (m.type === "progress") {
        const e = { stage: m.stage as ProgressEvent["stage"], loaded: m.loaded as number | undefined, total: m.total as number | undefined };
        p.onProgress?.(e);
        this.onProgress?.(e);
        return;
      }
      this.pending.delete(m.id);
      if (m.type === "error") p.reject(new Error(String(m.message)));
      else p.resolve(m);
    };
    w.onerror = (ev) => {
      for (const p of this.pending.values()) p.reject(new Error(`proving worker failed: ${ev.message}`));
      this.pending.clear();
    };
    this.worker = w;
    return w;
  }

  private request(msg: Record<string, unknown>, onProgress?: (p: ProgressEvent) => void): Promise<Record<string, unknown>> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, ...(onProgress === undefined ? {} : { onProgress }) });
      this.ensure().postMessage({ ...msg, id, snarkjsUrl: this.snarkjsUrl });
    });
  }

  /** Fetches (or takes from the cache) a circuit's wasm and zkey. */
  async preload(circuit: CircuitArtifacts): Promise<{ cached: boolean; loadMs: number }> {
    const r = await this.request({ type: "load", wasmUrl: circuit.wasmPath, zkeyUrl: circuit.zkeyPath });
    return { cached: r.cached as boolean, loadMs: r.loadMs as number };
  }

  /** The library's Prover.prove. */
  async prove(circuit: CircuitArtifacts, input: Record<string, unknown>, onProgress?: (stage: ProofStage) => void): Promise<ProofOutput> {
    const r = await this.request({ type: "prove", wasmUrl: circuit.wasmPath, zkeyUrl: circuit.zkeyPath, input: JSON.parse(JSON.stringify(input, (_k, v) => (typeof v === "bigint" ? v.toString() : v))) }, (p) => {
      if (p.stage !== "download") onProgress?.(p.stage);
    });
    this.last = { witnessMs: r.witnessMs as number, proveMs: r.proveMs as number, loadMs: r.loadMs as number, cached: r.cached as boolean };
    return { proof: r.proof, publicSignals: r.publicSignals, witnessMs: r.witnessMs, proveMs: r.proveMs } as unknown as ProofOutput;
  }

  async close(): Promise<void> {
    this.worker?.terminate();
    this.worker = undefined;
  }
}
