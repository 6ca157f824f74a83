/**
 * Atomic file writes: the one way the library (openings, keeper keys and state, reserves files,
 * CLI outputs) and the build write a file that a crash must never leave half-written.
 *
 * The data goes to `<file>.<pid>.tmp` (mode `mode`), is flushed to disk (fsync), and is then
 * renamed over `file`; readers see the old file or the new one, never a mix. With `noClobber` the
 * temporary file is hard-linked into place instead, which fails if `file` exists (no race between a
 * check and the write), and is then removed.
 */
import { chmodSync, closeSync, fsyncSync, linkSync, mkdirSync, openSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/** Options of `writeFileAtomic`. */
export interface AtomicWriteOptions {
  /** Mode of the new file, e.g. 0o600 for secrets (default 0o666 less the umask, as `writeFileSync`). */
  mode?: number;
  /** Set `mode` exactly with chmod, whatever the umask (default false). */
  exactMode?: boolean;
  /** Create the parent folder when absent (default true). */
  mkdir?: boolean;
  /** Mode of a parent folder created here (default 0o777 less the umask). */
  dirMode?: number;
  /** Flush the data to disk before the rename (default true). */
  fsync?: boolean;
  /** Refuse to replace an existing file: throws an error with code EEXIST (default false). */
  noClobber?: boolean;
  /** Name of the temporary file (default `<file>.<pid>.tmp`). */
  tmpPath?: string;
  /** Called once the temporary file is complete, just before it is renamed (tests inject a crash here). */
  beforeRename?: (tmp: string) => void;
}

/** Writes `data` to `file` atomically (temporary file, fsync, rename). */
export function writeFileAtomic(file: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): void {
  if (options.mkdir !== false) mkdirSync(dirname(file), { recursive: true, ...(options.dirMode === undefined ? {} : { mode: options.dirMode }) });
  const tmp = options.tmpPath ?? `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, data, options.mode === undefined ? {} : { mode: options.mode });
  try {
    if (options.exactMode && options.mode !== undefined) chmodSync(tmp, options.mode); // the mode above is masked by the umask and ignored for an existing file
    if (options.fsync !== false) {
      const fd = openSync(tmp, "r");
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
    options.beforeRename?.(tmp);
    if (options.noClobber) {
      linkSync(tmp, file);
      rmSync(tmp, { force: true });
    } else {
      renameSync(tmp, file);
    }
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
