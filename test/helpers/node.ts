/**
 * A real `npx hardhat node` for the CLI tests: started on 127.0.0.1 at a free port, stopped by
 * `stop()` (the tests call it in an `after` hook, so a failing test never leaves a node behind).
 */
import type { ChildProcess } from "node:child_process";
import path from "node:path";
import { freePort, startLocalServer } from "../../scripts/lib/localServer.js";

export { freePort };

/** A running node. */
export interface LocalNode {
  url: string;
  port: number;
  process: ChildProcess;
  /** Kills the node (and waits for it to exit). Safe to call twice. */
  stop(): Promise<void>;
}

/** Starts `hardhat node` from the project root `root` (on `port`, default a free one); resolves once it serves JSON-RPC (60 s at most). */
export async function startNode(root: string, port?: number): Promise<LocalNode> {
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
