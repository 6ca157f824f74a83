/**
 * `plimsoll reserves prove --queue` and `plimsoll reserves worker` (prover/src/reserves/queue.ts):
 * a redis-server of its own on 127.0.0.1 (a free port, no persistence), worker processes started
 * and stopped here. One period of 40 clients (2 batches + the final proof) is proved locally, then
 * through the queue from the same plan while one worker is SIGKILLed in the middle of a batch: the
 * batch is proved again by the other worker, and every output file is what local proving writes
 * (period.json and the inclusion files byte for byte, the same stored plan; batch and final
 * files equal but for the Groth16 randomness of the proof and the timings). Then a resume through
 * the queue, a coordinator interrupted with no worker (its job is collected by the rerun), and the
 * messages and exit codes of bad input and of a Redis nobody answers at.
 */
import { expect } from "chai";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { DEV_ASSETS, DEV_REGISTRY } from "../../prover/src/devnet.js";
import { formatClientsCsv } from "../../prover/src/reserves/csv.js";
import { artifactPaths } from "../../prover/src/artifacts.js";
import { initPoseidon } from "../../prover/src/poseidon.js";
import { terminateCurves } from "../../prover/src/snarkjs.js";
import { planFromFile } from "../../prover/src/reserves/prepare.js";
import { proveBatches } from "../../prover/src/reserves/prove.js";
import { ReservesQueue } from "../../prover/src/reserves/queue.js";
import { BATCH_SIZE } from "../../prover/src/reserves/constants.js";
import { readStoredPlan, writeStoredPlan } from "../../prover/src/reserves/runState.js";
import { devWeights } from "../../cli/reserves/index.js";
import { syntheticClients } from "../../scripts/lib/reservesDemo.js";
import { paths } from "../../scripts/lib/paths.js";
import { cliRunner, PLIMSOLL_BIN, type CliResult } from "../helpers/cli.js";
import { freePort } from "../../scripts/lib/localServer.js";
import { redisServerBinary, startRedis, type LocalRedis } from "../../scripts/lib/redis.js";

const { plimsoll } = cliRunner(paths.root, process.env);
/** `plimsoll reserves <args>`, one process, as a user runs it. */
const reserves = (...args: string[]): Promise<CliResult> => plimsoll("reserves", ...args);
/** Two batches: a full one and one of 8 clients. */
const N = BATCH_SIZE + 8;

/** A child process whose stderr is collected, with a way to wait for a line. */
interface Spawned {
  child: ChildProcess;
  stderr: () => string;
  stdout: () => string;
  exited: Promise<number | null>;
  waitFor(text: string | RegExp, ms: number): Promise<void>;
}

function spawnCli(args: string[]): Spawned {
  const child = spawn(process.execPath, [PLIMSOLL_BIN, "reserves", ...args], { cwd: paths.root, stdio: ["ignore", "pipe", "pipe"] });
  let err = "";
  let out = "";
  const waiters: (() => void)[] = [];
  child.stderr!.on("data", (b: Buffer) => {
    err += b.toString();
    for (const w of [...waiters]) w();
  });
  child.stdout!.on("data", (b: Buffer) => {
    out += b.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    child,
    stderr: () => err,
    stdout: () => out,
    exited,
    waitFor(text, ms) {
      const seen = (): boolean => (typeof text === "string" ? err.includes(text) : text.test(err));
      if (seen()) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${String(text)} on stderr in ${ms / 1000} s:\n${err}`)), ms);
        const check = (): void => {
          if (seen()) {
            clearTimeout(timer);
            waiters.splice(waiters.indexOf(check), 1);
            resolve();
          }
        };
        waiters.push(check);
        void exited.then(() => {
          if (!seen()) {
            clearTimeout(timer);
            reject(new Error(`exited before ${String(text)}:\n${err}`));
          }
        });
      });
    },
  };
}

/** The child processes of `pid` (Linux /proc): a worker's prover process. */
function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter((s) => s !== "").map(Number);
  } catch {
    return [];
  }
}

/** True once `pid` has exited (or is a zombie nobody reaped yet). */
function exited(pid: number): boolean {
  try {
    return /^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, "utf8"));
  } catch {
    return true;
  }
}

async function gone(pid: number, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) if (exited(pid)) return true;
  return false;
}

describe("plimsoll reserves prove --queue and reserves worker (BullMQ on a redis-server of the test's own)", function () {
  this.timeout(600_000);
  const dir = mkdtempSync(join(tmpdir(), "plimsoll-reserves-queue-"));
  const local = join(dir, "local");
  const queued = join(dir, "queued");
  const csv = join(dir, "clients.csv");
  let redis: LocalRedis | undefined;
  const started: Spawned[] = [];
  const worker = (...extra: string[]): Spawned => {
    const w = spawnCli(["worker", "--redis", redis!.url, "--lock-seconds", "4", ...extra]);
    started.push(w);
    return w;
  };

  before(async function () {
    if (redisServerBinary() === undefined) throw new Error("redis-server is not installed: apt-get install redis-server (.ci/run installs it)");
    redis = await startRedis();
    const { weights } = devWeights();
    const rows = syntheticClients(N, 11, DEV_REGISTRY, [...DEV_ASSETS.map((a) => a.price), ...new Array<bigint>(13).fill(0n)], weights);
    writeFileSync(csv, formatClientsCsv(rows, DEV_REGISTRY));
  });

  after(async function () {
    for (const s of started) {
      const kids = s.child.pid === undefined ? [] : childPids(s.child.pid);
      if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill("SIGKILL");
      await s.exited;
      for (const k of kids) if (!(await gone(k, 10_000))) process.kill(k, "SIGKILL");
    }
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
    expect(existsSync(join(paths.root, "dump.rdb")), "redis wrote no snapshot into the project").to.equal(false);
  });

  describe("--help and bad input", function () {
    it("documents the worker and --queue", async function () {
      const top = await reserves("--help");
      expect(top.stdout).to.include("reserves worker");
      const w = await reserves("worker", "--help");
      expect(w.code).to.equal(0);
      for (const o of ["--redis", "--provers", "--queue-name", "--lock-seconds", "stalled"]) expect(w.stdout).to.include(o);
      const p = await reserves("prove", "--help");
      for (const o of ["--queue", "--queue-name"]) expect(p.stdout).to.include(o);
    });

    it("exits 2 on a malformed URL, a missing --redis, --workers with --queue and a bad --queue-name", async function () {
      const missing = await reserves("worker");
      expect(missing.code).to.equal(2);
      expect(missing.stderr).to.include("--redis is required");
      const http = await reserves("worker", "--redis", "http://127.0.0.1:6379");
      expect(http.code).to.equal(2);
      expect(http.stderr).to.include("--redis http://127.0.0.1:6379: expected a redis:// or rediss:// URL");
      const both = await reserves("prove", "--queue", redis!.url, "--workers", "2", "--clients", csv, "--reserves", "net", "--out", join(dir, "x"));
      expect(both.code).to.equal(2);
      expect(both.stderr).to.include("--workers sets local prover processes");
      const bad = await reserves("worker", "--redis", redis!.url, "--queue-name", "a:b");
      expect(bad.code).to.equal(2);
      expect(bad.stderr).to.include("--queue-name must be");
      expect(existsSync(join(dir, "x"))).to.equal(false);
    });

    it("fails fast (exit 1), naming the URL, when nothing answers there", async function () {
      const port = await freePort();
      const t0 = performance.now();
      const w = await reserves("worker", "--redis", `redis://user:secret@127.0.0.1:${port}`);
      const p = await reserves("prove", "--queue", `redis://127.0.0.1:${port}/0`, "--clients", csv, "--reserves", "net", "--out", join(dir, "x"));
      expect(performance.now() - t0).to.be.below(30_000);
      expect(w.code).to.equal(1);
      expect(w.stderr).to.include(`cannot reach Redis at redis://user:***@127.0.0.1:${port}: connect ECONNREFUSED`);
      expect(w.stderr).not.to.include("secret");
      expect(p.code).to.equal(1);
      expect(p.stderr).to.include(`cannot reach Redis at redis://127.0.0.1:${port}/0`);
      expect(existsSync(join(dir, "x")), "nothing planned before the queue answered").to.equal(false);
    });
  });

  describe("the same period locally and through the queue", function () {
    let localSummary: Record<string, unknown>;

    it("proves it locally (the reference)", async function () {
      const r = await reserves("prove", "--clients", csv, "--reserves", "net", "--out", local, "--workers", "2", "--json");
      expect(r.code, r.stderr).to.equal(0);
      localSummary = JSON.parse(r.stdout) as Record<string, unknown>;
    });

    it("proves it through the queue; a worker SIGKILLed mid-batch loses nothing: another worker proves that batch", async function () {
      // The same plan (the salts are drawn once): the queued run resumes the local run's stored plan.
      rmSync(queued, { recursive: true, force: true });
      mkdirSync(queued);
      writeStoredPlan(queued, readStoredPlan(local)!);

      // Two workers; A is killed in the middle of its first batch, B proves the rest and then that batch.
      const a = worker();
      const b = worker();
      await Promise.all([a.waitFor("lock 4 s", 60_000), b.waitFor("lock 4 s", 60_000)]);
      const coordinator = spawnCli(["prove", "--queue", redis!.url, "--clients", csv, "--reserves", "net", "--out", queued, "--json"]);
      started.push(coordinator);
      await a.waitFor(/batch \d: proving/, 120_000);
      const killed = Number(/batch (\d): proving/.exec(a.stderr())![1]);
      await new Promise((r) => setTimeout(r, 1500)); // into the proof (witness + prove take seconds)
      const provers = childPids(a.child.pid!).filter((pid) => readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("proveWorker"));
      expect(provers.length, "worker A runs its prover process").to.equal(1);
      a.child.kill("SIGKILL");
      expect(await a.exited).to.equal(null);
      expect(a.stderr()).not.to.include(`batch ${killed}: proved`);
      expect(await gone(provers[0]!, 10_000), "the dead worker's prover process exits with it").to.equal(true);

      const code = await coordinator.exited;
      expect(code, coordinator.stderr()).to.equal(0);
      expect(b.stderr()).to.match(new RegExp(`batch ${killed}: proving \\(attempt 2, after 1 lost worker\\)`));
      expect(b.stderr()).to.include(`batch ${killed}: proved`);
      const s = JSON.parse(coordinator.stdout()) as Record<string, unknown>;
      expect(s).to.include({ clientCount: N, batchCount: 2, provedBatches: 2, skippedBatches: 0, resumed: true, inclusionFiles: N, root: localSummary.root });
      expect(s.queue).to.deep.equal({ url: redis!.url, name: "plimsoll-reserves" });
      const meta = (JSON.parse(readFileSync(join(queued, `batch-${killed}.json`), "utf8")) as { meta: { host: string } }).meta;
      expect(meta.host).to.equal(`${hostname()} pid ${b.child.pid}`);
    });

    it("writes what local proving writes: period and inclusion files byte for byte, the same plan; proofs equal but for their randomness", async function () {
      const names = (d: string): string[] => readdirSync(d).filter((f) => f !== ".lock").sort();
      expect(names(queued)).to.deep.equal(names(local));
      expect(readStoredPlan(queued)).to.deep.equal(readStoredPlan(local));
      expect(readFileSync(join(queued, "period.json"), "utf8")).to.equal(readFileSync(join(local, "period.json"), "utf8"));
      const inc = readdirSync(join(local, "inclusion")).sort();
      expect(readdirSync(join(queued, "inclusion")).sort()).to.deep.equal(inc);
      for (const f of inc) expect(readFileSync(join(queued, "inclusion", f), "utf8"), f).to.equal(readFileSync(join(local, "inclusion", f), "utf8"));
      for (const f of ["batch-0.json", "batch-1.json", "final.json"]) {
        const l = JSON.parse(readFileSync(join(local, f), "utf8")) as Record<string, unknown>;
        const q = JSON.parse(readFileSync(join(queued, f), "utf8")) as Record<string, unknown>;
        expect(Object.keys(q), f).to.deep.equal(Object.keys(l));
        const defined = (x: Record<string, unknown>): unknown => ({ ...x, proof: undefined, meta: undefined });
        expect(defined(q), `${f}: circuit, batch index, public signals`).to.deep.equal(defined(l));
        expect(Object.keys(q.proof as object), `${f}: the proof's fields`).to.deep.equal(Object.keys(l.proof as object));
      }
      // Both folders pass the auditor's full check (every proof verifies, the chain of states holds).
      for (const d of [local, queued]) {
        const v = await reserves("verify", "--dir", d);
        expect(v.code, v.stdout + v.stderr).to.equal(0);
        expect(v.stdout).to.match(/^VALID proof of reserves/);
      }
    });

    it("resumes through the queue: a deleted batch file is proved again, the other files are kept", async function () {
      const batch0 = readFileSync(join(queued, "batch-0.json"), "utf8");
      const final = readFileSync(join(queued, "final.json"), "utf8");
      rmSync(join(queued, "batch-1.json"));
      const r = await reserves("prove", "--queue", redis!.url, "--clients", csv, "--reserves", "net", "--out", queued, "--json", "--skip-inclusion");
      expect(r.code, r.stderr).to.equal(0);
      expect(JSON.parse(r.stdout)).to.include({ resumed: true, provedBatches: 1, skippedBatches: 1, root: localSummary.root, workers: 1 });
      expect(readFileSync(join(queued, "batch-0.json"), "utf8")).to.equal(batch0);
      expect(readFileSync(join(queued, "final.json"), "utf8")).to.equal(final);
    });

    it("refuses a worker's proof that does not verify against this machine's key, and stops with the worker's message on a rejected witness", async function () {
      const plan = planFromFile(await initPoseidon(), readStoredPlan(local)!);
      const a = artifactPaths();
      // As if the worker had another build's keys: check its batch proof against the finalize key.
      const wrongKeys = await ReservesQueue.open({ url: redis!.url, vkeys: { batch: a.vkey("reserves_finalize"), finalize: a.vkey("reserves_finalize") } });
      const q = await ReservesQueue.open({ url: redis!.url });
      try {
        const out1 = join(dir, "wrong-keys");
        mkdirSync(out1);
        const failure = (p: Promise<unknown>): Promise<Error> => p.then(() => new Error("no failure"), (e: Error) => e);
        let err = await failure(proveBatches(plan, out1, { queue: wrongKeys, only: [1], progress: false }));
        expect(err.message).to.match(/^batch 1: the proof from .* pid \d+ does not verify against .*reserves_finalize\.vkey\.json \(that worker's keys are not this machine's\)/);
        expect(existsSync(join(out1, "batch-1.json")), "nothing written").to.equal(false);

        // A witness the circuit rejects (one client's salt changed: the batch's output state no longer follows).
        const bad = { ...plan, batches: plan.batches.map((b, i) => (i === 0 ? { ...b, input: { ...b.input, salt: [b.input.salt[0]! + 1n, ...b.input.salt.slice(1)] } } : b)) };
        const out2 = join(dir, "rejected");
        mkdirSync(out2);
        err = await failure(proveBatches(bad, out2, { queue: q, only: [0], progress: false }));
        expect(err.message).to.match(/^batch 0: .* pid \d+: the circuit rejected the inputs \(the statement does not hold\)/);
        expect((await q.counts()).failed, "failed at once, not retried").to.equal(1);
        expect(existsSync(join(out2, "batch-0.json"))).to.equal(false);
      } finally {
        await wrongKeys.close();
        await q.close();
        await terminateCurves(); // groth16.verify started BN254 worker threads in this process
      }
    });

    it("stops a worker cleanly on SIGTERM (exit 0), after which a coordinator says no worker is connected; its queued proof is collected by the rerun", async function () {
      const b = started.find((s) => s.child.exitCode === null && s.child.signalCode === null && s.stderr().includes("lock 4 s"))!;
      b.child.kill("SIGTERM");
      expect(await b.exited).to.equal(0);
      expect(b.stderr()).to.match(/worker stopped: \d+ proofs made/);

      rmSync(join(queued, "batch-1.json"));
      const first = spawnCli(["prove", "--queue", redis!.url, "--clients", csv, "--reserves", "net", "--out", queued, "--skip-inclusion"]);
      started.push(first);
      await first.waitFor("no worker is connected to queue plimsoll-reserves", 60_000);
      first.child.kill("SIGINT");
      expect(await first.exited).to.equal(130);
      expect(first.stderr()).to.include("the queued proofs stay in Redis");

      const q = await ReservesQueue.open({ url: redis!.url });
      try {
        expect((await q.counts()).wait).to.equal(1);
        const c = worker();
        await c.waitFor("batch 1: proved", 120_000);
        await new Promise((r) => setTimeout(r, 300));
        expect((await q.counts()).completed).to.equal(1);
        c.child.kill("SIGTERM");
        expect(await c.exited).to.equal(0);
      } finally {
        await q.close();
      }
      // No worker now: the rerun finds the finished job in Redis and writes its file.
      const r = await reserves("prove", "--queue", redis!.url, "--clients", csv, "--reserves", "net", "--out", queued, "--json", "--skip-inclusion");
      expect(r.code, r.stderr).to.equal(0);
      expect(JSON.parse(r.stdout)).to.include({ provedBatches: 1, skippedBatches: 1 });
      const again = await reserves("verify", "--dir", queued);
      expect(again.code, again.stdout).to.equal(0);
      const q2 = await ReservesQueue.open({ url: redis!.url });
      try {
        const counts = await q2.counts();
        expect(counts.completed + counts.wait + counts.active, "collected jobs are removed from Redis").to.equal(0);
        expect(counts.failed, "the rejected witness's job stays failed (a day) for inspection").to.equal(1);
      } finally {
        await q2.close();
      }
    });
  });
});
