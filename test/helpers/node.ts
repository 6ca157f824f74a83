/**
 * A real `npx hardhat node` for the CLI tests: started on 127.0.0.1 at a free port, stopped by
 * `stop()` (the tests call it in an `after` hook, so a failing test never leaves a node behind).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import path from "node:path";

/** A running node. */
export interface LocalNode {
  url: string;
  port: number;
  process: ChildProcess;
  /** Kills the node (and waits for it to exit). Safe to call twice. */
  stop(): Promise<void>;
}

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

/** Starts `hardhat node` from the project root `root` (on `port`, default a free one); resolves once it serves JSON-RPC (60 s at most). */
export async function startNode(root: string, port?: number): Promise<LocalNode> {
  port ??= await freePort();
  const child = spawn(process.execPath, [path.join(root, "node_modules", "hardhat", "dist", "src", "cli.js"), "node", "--hostname", "127.0.0.1", "--port", String(port)], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let exited = false;
  const done = new Promise<void>((resolve) => child.once("exit", () => { exited = true; resolve(); }));
  const stop = async (): Promise<void> => {
    if (!exited) child.kill("SIGKILL");
    await done;
  };
  let output = "";
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`hardhat node did not start in 60 s:\n${output}`)), 60_000);
      const onData = (b: Buffer): void => {
        output += b.toString();
        if (output.includes("JSON-RPC server at")) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout!.on("data", onData);
      child.stderr!.on("data", (b: Buffer) => { output += b.toString(); });
      child.once("exit", (code) => { clearTimeout(timer); reject(new Error(`hardhat node exited (${code}):\n${output}`)); });
    });
  } catch (err) {
    await stop();
    throw err;
  }
  child.stdout!.resume();
  child.stderr!.resume();
  return { url: `http://127.0.0.1:${port}`, port, process: child, stop };
}
