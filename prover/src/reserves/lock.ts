/** One `reserves prove` per output folder: `<out>/.lock`. */
import { mkdirSync } from "node:fs";
import path from "node:path";
import { lockHolder, processAlive, removeLockFile, tryLockFile } from "../fs/lock.js";

/**
 * Takes `<out>/.lock` for this process, so two runs never write one folder at once. A lock left by a
 * process that no longer exists is taken over. Returns the release function.
 * @throws Error naming the other process when it is alive.
 */
export function lockFolder(out: string): () => void {
  mkdirSync(out, { recursive: true });
  const file = path.join(out, ".lock");
  for (let attempt = 0; attempt < 2; attempt++) {
    if (tryLockFile(file)) return () => removeLockFile(file);
    const pid = lockHolder(file);
    const alive = Number.isInteger(pid) && pid > 0 && pid !== process.pid && processAlive(pid);
    if (alive) throw new Error(`${out} is in use by another 'reserves prove' (pid ${pid}); wait for it or remove ${file} if it is gone`);
    removeLockFile(file);
  }
  throw new Error(`cannot lock ${out}`);
}
