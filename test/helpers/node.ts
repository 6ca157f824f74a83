/**
 * A real `npx hardhat node` for the CLI tests: started on 127.0.0.1 at a free port, stopped by
 * `stop()` (the tests call it in an `after` hook, so a failing test never leaves a node behind).
 * The implementation is scripts/lib/localServer.ts's `startHardhatNode`, shared with `npm run web`.
 */
import { freePort, startHardhatNode, type LocalNode } from "../../scripts/lib/localServer.js";

export { freePort, type LocalNode };

/** Starts `hardhat node` from the project root `root` (on `port`, default a free one). */
export const startNode: (root: string, port?: number) => Promise<LocalNode> = startHardhatNode;
