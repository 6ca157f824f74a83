/** Files: atomic writes, JSON with bigints, lock files. */
export { writeFileAtomic, type AtomicWriteOptions } from "./atomic.js";
export { readJsonFile, stringify, writeJsonAtomic } from "./json.js";
export { lockHolder, processAlive, removeLockFile, tryLockFile } from "./lock.js";
