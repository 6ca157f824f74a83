/**
 * Groth16 proving in a child process, so a CLI, a keeper loop or a test runner keeps
 * responding while a proof is made. One child is kept warm: the curve tables and the
 * key files are loaded once and reused by every later proof.
 */
import { existsSync } from "node:fs";
import { fork, type ChildProcess } from "node:child_process";
import type { SnarkjsProof } from "./calldata.js";

/** Where a circuit's proving artifacts live. */
export interface CircuitArtifacts {
  /** Witness generator compiled by circom (`<name>_js/<name>.wasm`). */
  wasmPath: string;
  /** Groth16 proving key. */
  zkeyPath: string;
}

/** A proof with its public signals and how long each stage took. */
export interface ProofOutput {
  proof: SnarkjsProof;
  publicSignals: string[];
  witnessMs: number;
  proveMs: number;
}

/** Stage names reported to a progress callback. */
export type ProofStage = "witness" | "prove";

/** Raised when the circuit rejects the witness: the statement is false for these inputs. */
export class WitnessRejectedError extends Error {
  constructor(readonly circuitMessage: string) {
    super(`the circuit rejected the inputs (the statement does not hold): ${circuitMessage}`);
    this.name = "WitnessRejectedError";
  }
}

interface Pending {
  resolve: (out: ProofOutput) => void;
  reject: (err: Error) => void;
  onProgress?: (stage: ProofStage) => void;
}

type WorkerMessage =
  | { id: number; type: "progress"; stage: ProofStage }
  | ({ id: number; type: "done" } & ProofOutput)
  | { id: number; type: "error"; message: string };

/** A Groth16 prover backed by one child process. Call `close()` when done. */
export class Prover {
  private worker: ChildProcess | undefined;
  private nextId = 0;
  private readonly pending = new Map<number, Pending>();

  /**
   * Proves `input` for the circuit at `artifacts`.
   * @throws Error naming the missing file when an artifact is absent; WitnessRejectedError when
   *         the circuit's constraints fail.
   */
  prove(artifacts: CircuitArtifacts, input: Record<string, unknown>, onProgress?: (stage: ProofStage) => void): Promise<ProofOutput> {
    for (const [field, path] of Object.entries(artifacts)) {
      if (!existsSync(path)) return Promise.reject(new Error(`${field} ${path} does not exist: run \`npm run build\` first`));
    }
    const worker = this.start();
    const id = this.nextId++;
    return new Promise<ProofOutput>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onProgress });
      this.hold(worker, true); // keep the process alive while a proof is under way
      worker.send({ id, input, wasmPath: artifacts.wasmPath, zkeyPath: artifacts.zkeyPath });
    });
  }

  /** Stops the child process; pending proofs are rejected. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (worker !== undefined && worker.exitCode === null) {
      this.hold(worker, true); // wait for the exit even when the child was idle (unref'd)
      const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
      worker.kill();
      await exited;
    }
    for (const p of this.pending.values()) p.reject(new Error("prover closed"));
    this.pending.clear();
  }

  /** ref/unref the child and its IPC channel together. */
  private hold(worker: ChildProcess, on: boolean): void {
    if (on) {
      worker.ref();
      worker.channel?.ref();
    } else {
      worker.unref();
      worker.channel?.unref();
    }
  }

  private start(): ChildProcess {
    if (this.worker !== undefined) return this.worker;
    const worker = fork(new URL("./proveWorker.mjs", import.meta.url), [], { execArgv: [], serialization: "advanced", stdio: ["ignore", "ignore", "ignore", "ipc"] });
    this.hold(worker, false);
    worker.on("message", (msg: WorkerMessage) => {
      const p = this.pending.get(msg.id);
      if (p === undefined) return;
      if (msg.type === "progress") {
        p.onProgress?.(msg.stage);
        return;
      }
      this.pending.delete(msg.id);
      if (this.pending.size === 0) this.hold(worker, false); // an idle prover never holds the process open
      if (msg.type === "done") p.resolve({ proof: msg.proof, publicSignals: msg.publicSignals, witnessMs: msg.witnessMs, proveMs: msg.proveMs });
      else p.reject(/Assert Failed|Error in template/.test(msg.message) ? new WitnessRejectedError(msg.message) : new Error(msg.message));
    });
    const fail = (err: Error): void => {
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
      if (this.worker === worker) this.worker = undefined;
    };
    worker.on("error", fail);
    worker.on("exit", (code, signal) => fail(new Error(`prover process exited (${signal ?? `code ${code}`})`)));
    this.worker = worker;
    return worker;
  }
}
