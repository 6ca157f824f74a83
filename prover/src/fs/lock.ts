/**
 * Lock files: `<file>` holds the pid of the process that owns a folder. A lock whose process no
 * longer exists is stale and may be taken over.
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

/** True when a process with this pid exists (EPERM: it exists but is another user's). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Creates `file` holding this process's pid, if it does not exist. Returns true when taken, false
 * when another lock file is there (read its holder with `lockHolder`).
 */
export function tryLockFile(file: string): boolean {
  try {
    const fd = openSync(file, "wx");
    writeFileSync(fd, String(process.pid));
    closeSync(fd);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    return false;
  }
}

/** The pid a lock file names (NaN when it holds no number, is unreadable or is gone). */
export function lockHolder(file: string): number {
  try {
    return Number(readFileSync(file, "utf8").trim());
  } catch {
    return Number.NaN;
  }
}

/** Removes a lock file (no error when it is gone). */
export function removeLockFile(file: string): void {
  rmSync(file, { force: true });
}

/**
 * Takes `<dir>/.lock` for this process, so two `user`s (a command's name, for the message) never
 * work in one folder at once. A lock left by a process that no longer exists is taken over.
 * Returns the release function.
 * @throws Error naming the other process when it is alive.
 */
export function lockFolder(dir: string, user: string): () => void {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, ".lock");
  for (let attempt = 0; attempt < 2; attempt++) {
    if (tryLockFile(file)) return () => removeLockFile(file);
    const pid = lockHolder(file);
    const alive = Number.isInteger(pid) && pid > 0 && pid !== process.pid && processAlive(pid);
    if (alive) throw new Error(`${dir} is in use by another ${user} (pid ${pid}); wait for it or remove ${file} if it is gone`);
    removeLockFile(file);
  }
  throw new Error(`cannot lock ${dir}`);
}
