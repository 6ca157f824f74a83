/**
 * A server process for tests and benchmarks (a `hardhat node`, a `redis-server`): started on
 * 127.0.0.1, ready once it prints a given text, stopped by `stop()` (SIGKILL, safe to call twice),
 * so a failing test never leaves one behind.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import path from "node:path";

/** A TCP port nobody listens on right now (127.0.0.1). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const address = srv.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** A running server process. */
export interface LocalServer {
  process: ChildProcess;
  /** Kills it and waits for its exit (then runs `onStop`). Safe to call twice. */
  stop(): Promise<void>;
}

/** What to start and how to know it is ready. */
export interface LocalServerOptions {
  command: string;
  args: readonly string[];
  cwd: string;
  /** Printed (stdout or stderr) once the server accepts connections. */
  ready: string;
  /** Its name in errors: `hardhat node`. */
  what: string;
  timeoutMs: number;
  /** Runs after the process exited (e.g. removes its folder). */
  onStop?: () => void;
}

/** Starts the server; resolves once it printed `ready`, else kills it and rejects with its output. */
export async function startLocalServer(opts: LocalServerOptions): Promise<LocalServer> {
  const child = spawn(opts.command, [...opts.args], { cwd: opts.cwd, stdio: ["ignore", "pipe", "pipe"] });
  let exited = false;
  const done = new Promise<void>((resolve) => child.once("exit", () => { exited = true; resolve(); }));
  const stop = async (): Promise<void> => {
    if (!exited) child.kill("SIGKILL");
    await done;
    opts.onStop?.();
  };
  let output = "";
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${opts.what} did not start in ${opts.timeoutMs / 1000} s:\n${output}`)), opts.timeoutMs);
      const onData = (b: Buffer): void => {
        output += b.toString();
        if (output.includes(opts.ready)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout!.on("data", onData);
      child.stderr!.on("data", onData);
      child.once("error", (err) => { clearTimeout(timer); reject(new Error(`${opts.what} did not start: ${err.message}`)); });
      child.once("exit", (code) => { clearTimeout(timer); reject(new Error(`${opts.what} exited (${code}):\n${output}`)); });
    });
  } catch (err) {
    await stop();
    throw err;
  }
  child.stdout!.removeAllListeners("data");
  child.stderr!.removeAllListeners("data");
  child.stdout!.resume();
  child.stderr!.resume();
  return { process: child, stop };
}

/** A running `hardhat node`. */
export interface LocalNode extends LocalServer {
  url: string;
  port: number;
}

/**
 * Starts `hardhat node` from the project root `root` on 127.0.0.1 (on `port`, default a free one);
 * resolves once it serves JSON-RPC (60 s at most). Used by the CLI tests and `npm run web`.
 */
export async function startHardhatNode(root: string, port?: number): Promise<LocalNode> {
  port ??= await freePort();
  const server = await startLocalServer({
    command: process.execPath,
    args: [path.join(root, "node_modules", "hardhat", "dist", "src", "cli.js"), "node", "--hostname", "127.0.0.1", "--port", String(port)],
    cwd: root,
    ready: "JSON-RPC server at",
    what: "hardhat node",
    timeoutMs: 60_000,
  });
  return { url: `http://127.0.0.1:${port}`, port, ...server };
}
