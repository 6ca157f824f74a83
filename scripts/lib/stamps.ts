/**
 * Incremental build support: content hashes, stamp files, temp outputs and the build lock.
 *
 * A step is up to date when its stamp (`build/.stamps/<step>.json`) records the same input key
 * and every output it lists still exists. Outputs are written under `build/tmp/<pid>/` and renamed
 * into place; the stamp is written last. A step that crashes or is interrupted therefore leaves
 * no stamp and reruns next time.
 */
import { createHash } from "node:crypto";
import { createReadStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, readdirSync } from "node:fs";
import path from "node:path";
import { lockHolder, processAlive as alive, tryLockFile, writeFileAtomic } from "../../prover/src/index.js";
import { paths } from "./paths.js";

export function sha256(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/** A stable key for a JSON-able description of a step's inputs. */
export function keyOf(inputs: unknown): string {
  return sha256(JSON.stringify(inputs));
}

async function sha256Stream(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

const MEMO_FILE = path.join(paths.stamps, "file-hashes.json");
let memo: Record<string, string> | undefined;

/**
 * SHA-256 of a (possibly large) file. Remembered per path, size, mtime and inode so that a
 * no-change build does not rehash 75 MB of powers of tau.
 */
export async function hashFile(file: string): Promise<string> {
  const st = statSync(file);
  const id = `${path.resolve(file)}|${st.size}|${st.mtimeMs}|${st.ino}`;
  memo ??= existsSync(MEMO_FILE) ? (JSON.parse(readFileSync(MEMO_FILE, "utf8")) as Record<string, string>) : {};
  const known = memo[id];
  if (known !== undefined) return known;
  const digest = await sha256Stream(file);
  for (const k of Object.keys(memo)) if (k.startsWith(`${path.resolve(file)}|`)) delete memo[k];
  memo[id] = digest;
  writeAtomic(MEMO_FILE, JSON.stringify(memo, null, 2) + "\n");
  return digest;
}

interface StampFile<T> {
  key: string;
  outputs: string[];
  data: T;
  writtenAt: string;
}

function stampPath(step: string): string {
  return path.join(paths.stamps, `${step}.json`);
}

/** The stamp's data if the step is up to date (same key, every output present), else undefined. */
export function freshStamp<T>(step: string, key: string): T | undefined {
  const file = stampPath(step);
  if (!existsSync(file)) return undefined;
  let stamp: StampFile<T>;
  try {
    stamp = JSON.parse(readFileSync(file, "utf8")) as StampFile<T>;
  } catch {
    return undefined;
  }
  if (stamp.key !== key) return undefined;
  if (!stamp.outputs.every((o) => existsSync(path.join(paths.root, o)))) return undefined;
  return stamp.data;
}

/** Record that `step` produced `outputs` (absolute paths) from inputs with `key`. */
export function writeStamp<T>(step: string, key: string, outputs: string[], data: T): void {
  const stamp: StampFile<T> = {
    key,
    outputs: outputs.map((o) => path.relative(paths.root, o)),
    data,
    writtenAt: new Date().toISOString(),
  };
  writeAtomic(stampPath(step), JSON.stringify(stamp, null, 2) + "\n");
}

/** Forget a step (before rebuilding it, so a crash midway cannot leave a stale stamp). */
export function dropStamp(step: string): void {
  rmSync(stampPath(step), { force: true });
}

/** This process's scratch folder, `build/tmp/<pid>/`. */
export function tmpDir(): string {
  const dir = path.join(paths.tmp, String(process.pid));
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** A fresh scratch path for `name` inside this process's scratch folder. */
export function tmpPath(name: string): string {
  return path.join(tmpDir(), name);
}

/** Write via a temp file, fsync and rename, so readers never see a half-written file (the library's `writeFileAtomic`). */
export function writeAtomic(file: string, contents: string | Uint8Array): void {
  writeFileAtomic(file, contents);
}

/** Move a finished output into place (replacing a file or folder that was there). */
export function moveIntoPlace(from: string, to: string): void {
  mkdirSync(path.dirname(to), { recursive: true });
  if (existsSync(to) && statSync(to).isDirectory()) rmSync(to, { recursive: true, force: true });
  renameSync(from, to);
}

/** Remove scratch folders left by builds that no longer run. */
export function cleanStaleTmp(): void {
  if (!existsSync(paths.tmp)) return;
  for (const entry of readdirSync(paths.tmp)) {
    const pid = Number(entry);
    if (Number.isInteger(pid) && (pid === process.pid || alive(pid))) continue;
    rmSync(path.join(paths.tmp, entry), { recursive: true, force: true });
  }
}

let lockHeld = false;

/**
 * Take `build/.lock` so that two builds (or a build and a ceremony) in one tree do not write the
 * same files. Waits for a live holder; takes over a lock whose process has died.
 */
export async function acquireLock(onWait: (pid: number) => void): Promise<void> {
  mkdirSync(paths.build, { recursive: true });
  let warned = false;
  for (;;) {
    if (tryLockFile(paths.lock)) {
      lockHeld = true;
      return;
    }
    const holder = lockHolder(paths.lock);
    if (Number.isNaN(holder) && !existsSync(paths.lock)) continue; // released between our open and read
    if (!Number.isInteger(holder) || !alive(holder)) {
      rmSync(paths.lock, { force: true });
      continue;
    }
    if (!warned) onWait(holder);
    warned = true;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Release the lock and this process's scratch folder (safe to call more than once). */
export function releaseLock(): void {
  rmSync(path.join(paths.tmp, String(process.pid)), { recursive: true, force: true });
  if (!lockHeld) return;
  lockHeld = false;
  try {
    if (readFileSync(paths.lock, "utf8").trim() === String(process.pid)) rmSync(paths.lock, { force: true });
  } catch {
    /* already gone */
  }
}

/** On Ctrl-C or SIGTERM: release the lock and scratch folder, say so, exit 130. */
export function releaseOnSignal(): void {
  const stop = (signal: NodeJS.Signals): void => {
    console.error(`\ninterrupted (${signal}): the unfinished step wrote no stamp and reruns next time`);
    releaseLock();
    process.exit(130);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
