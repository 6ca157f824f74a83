/**
 * A throw-away `redis-server` for the queue tests and the reserves benchmark: started on 127.0.0.1
 * at a free port, without persistence (no RDB snapshot, no AOF, its working folder a temporary one
 * that `stop()` removes), and stopped by `stop()` (safe to call twice).
 */
import { spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort, startLocalServer } from "./localServer.js";

/** A running redis-server. */
export interface LocalRedis {
  url: string;
  port: number;
  process: ChildProcess;
  /** Stops the server (SIGKILL: nothing to save) and removes its folder. */
  stop(): Promise<void>;
}

/** The redis-server binary: `$REDIS_SERVER`, else `redis-server` on PATH; undefined when there is none. */
export function redisServerBinary(): string | undefined {
  const bin = process.env.REDIS_SERVER ?? "redis-server";
  const probe = spawnSync(bin, ["--version"], { encoding: "utf8" });
  return probe.status === 0 ? bin : undefined;
}

/** Starts redis-server on 127.0.0.1 (on `port`, default a free one); resolves once it accepts connections (20 s at most). */
export async function startRedis(port?: number): Promise<LocalRedis> {
  const bin = redisServerBinary();
  if (bin === undefined) throw new Error("redis-server is not installed (apt-get install redis-server; .ci/run does it in CI)");
  port ??= await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), "plimsoll-redis-"));
  const server = await startLocalServer({
    command: bin,
    args: ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir, "--maxmemory-policy", "noeviction", "--protected-mode", "yes"],
    cwd: dir,
    ready: "Ready to accept connections",
    what: "redis-server",
    timeoutMs: 20_000,
    onStop: () => rmSync(dir, { recursive: true, force: true }),
  });
  return { url: `redis://127.0.0.1:${port}`, port, ...server };
}
