/** One `reserves prove` per output folder: `<out>/.lock`. */
import { lockFolder as lock } from "../fs/lock.js";

/**
 * Takes `<out>/.lock` for this process (see `lockFolder` in fs/lock.ts). Returns the release function.
 * @throws Error naming the other process when it is alive.
 */
export function lockFolder(out: string): () => void {
  return lock(out, "'reserves prove'");
}
