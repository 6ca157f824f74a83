/**
 * Step 2: phase 1 (powers of tau). In order of preference:
 *
 *   env        the file named by PLIMSOLL_PTAU, or the smallest fitting `.ptau` in the folder it
 *              names (relative paths are taken from the project root);
 *   cache      the smallest prepared BN254 `.ptau` under build/ptau/ that fits;
 *   previous   the file the current keys were built from (recorded in build/keys/<name>.json), if it
 *              is still there with the same sha256 and fits: keys built from a valid file are never
 *              thrown away just because PLIMSOLL_PTAU was set for one run and not for the next;
 *   public     a public ceremony's file (Hermez / Perpetual Powers of Tau) downloaded by its published
 *              URL and verified against its published BLAKE2b-512 (scripts/lib/publicPtau.ts), then
 *              cached under build/ptau/; skipped with PLIMSOLL_PTAU_DOWNLOAD=0, and any failure (no
 *              network, a wrong hash) is reported and falls through to
 *   generated  a development file made here by snarkjs (one contributor, random entropy) of the
 *              smallest power that fits (at least 12), then cached under build/ptau/.
 *
 * A generated file is a one-party ceremony: whoever ran the build could forge proofs. Fine for
 * development and tests, never for production.
 */
import { randomBytes } from "node:crypto";
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, statSync } from "node:fs";
import path from "node:path";
import { BuildError, detail, formatInt, formatMs, item, loud, now, since, snarkjsLogger } from "./log.js";
import { paths, rel } from "./paths.js";
import { loadSnarkjs } from "./snarkjs.js";
import { hashFile, moveIntoPlace, tmpPath, writeAtomic } from "./stamps.js";
import { downloadPublicPtau, PTAU_DOWNLOAD_ENV } from "./publicPtau.js";

/** Environment variable naming a phase-1 file to use instead of the cache. */
export const PTAU_ENV = "PLIMSOLL_PTAU";
/** Smallest power the build generates (2^12 = 4,096 constraints). */
export const MIN_GENERATED_POWER = 12;
/** Largest power snarkjs supports on BN254. */
export const MAX_POWER = 28;
/**
 * The smallest power any circuit is keyed on: every circuit was keyed on power 16 before
 * reserves_batch outgrew it, and a key is rebuilt whenever its file's sha256 changes, so a larger
 * circuit must not move the others to another file.
 */
export const MIN_KEYING_POWER = 16;

/** The phase-1 power a circuit that needs `power` is keyed on. */
export function keyingPower(power: number): number {
  return Math.max(power, MIN_KEYING_POWER);
}

/**
 * The powers to resolve for circuits that need `powers`, largest first: a build that has to
 * generate a file then generates only the largest, and the smaller requests find it in the cache.
 */
export function keyingPowers(powers: readonly number[]): number[] {
  return [...new Set(powers.map(keyingPower))].sort((a, b) => b - a);
}

export type PtauKind = "env" | "cache" | "previous" | "public" | "generated";

export interface PtauHeader {
  power: number;
  ceremonyPower: number;
  /** Section 12 present: `powersoftau prepare phase2` has been run. */
  prepared: boolean;
  contributions: number;
  bn254: boolean;
}

export interface PtauChoice extends PtauHeader {
  /** Absolute path. */
  path: string;
  kind: PtauKind;
  sha256: string;
}

const BN254_Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;

/**
 * Read a `.ptau` header without loading the file: magic, section table, power (section 1) and
 * the number of contributions (section 7). Throws on anything that is not a ptau file.
 */
export function readPtauHeader(file: string): PtauHeader {
  const fd = openSync(file, "r");
  try {
    const size = statSync(file).size;
    const read = (pos: number, len: number): Buffer => {
      const b = Buffer.alloc(len);
      if (readSync(fd, b, 0, len, pos) !== len) throw new Error("truncated");
      return b;
    };
    const head = read(0, 12);
    if (head.toString("latin1", 0, 4) !== "ptau") throw new Error("not a .ptau file (bad magic)");
    const nSections = head.readUInt32LE(8);
    const sections = new Map<number, { pos: number; size: number }>();
    let pos = 12;
    for (let i = 0; i < nSections; i++) {
      const s = read(pos, 12);
      const type = s.readUInt32LE(0);
      const len = Number(s.readBigUInt64LE(4));
      sections.set(type, { pos: pos + 12, size: len });
      pos += 12 + len;
      if (pos > size) throw new Error("truncated (section table runs past the end)");
    }
    const h = sections.get(1);
    if (!h) throw new Error("no header section");
    const n8 = read(h.pos, 4).readUInt32LE(0);
    const qBytes = read(h.pos + 4, n8);
    let q = 0n;
    for (let i = n8 - 1; i >= 0; i--) q = (q << 8n) + BigInt(qBytes[i]!);
    const tail = read(h.pos + 4 + n8, 8);
    const c = sections.get(7);
    return {
      power: tail.readUInt32LE(0),
      ceremonyPower: tail.readUInt32LE(4),
      prepared: sections.has(12),
      contributions: c ? read(c.pos, 4).readUInt32LE(0) : 0,
      bn254: q === BN254_Q,
    };
  } finally {
    closeSync(fd);
  }
}

function howToMake(power: number): string {
  return [
    `Make one (power ${power}) with snarkjs, or use a public ceremony's file (e.g. Hermez / Perpetual Powers of Tau):`,
    `  npx snarkjs powersoftau new bn128 ${power} pot_0.ptau`,
    `  npx snarkjs powersoftau contribute pot_0.ptau pot_1.ptau -e="<random text>"`,
    `  npx snarkjs powersoftau prepare phase2 pot_1.ptau pot${power}.ptau`,
    `or unset ${PTAU_ENV} and let the build generate a development file under ${rel(paths.ptauCache)}/.`,
  ].join("\n");
}

/** Why `header` cannot serve a circuit of `power`, or undefined if it can. */
function unfit(header: PtauHeader, power: number): string | undefined {
  if (!header.bn254) return "it is not for the BN254 (bn128) curve";
  if (!header.prepared) return "it is not prepared for phase 2 (run `snarkjs powersoftau prepare phase2` on it)";
  if (header.power < power) return `its power is ${header.power} (up to ${formatInt(2 ** header.power - 1)} constraints + public signals) but power ${power} is needed`;
  return undefined;
}

function describe(c: PtauChoice): string {
  return `${rel(c.path)} (power ${c.power}, ${c.contributions} contribution${c.contributions === 1 ? "" : "s"})`;
}

/** Pick the phase-1 file for circuits that need `power`; see the module comment for the order. */
export async function resolvePtau(power: number): Promise<PtauChoice> {
  if (power > MAX_POWER) throw new BuildError(`a circuit needs ptau power ${power}; snarkjs supports at most ${MAX_POWER} on BN254`);

  const fromEnv = process.env[PTAU_ENV];
  if (fromEnv !== undefined && fromEnv !== "") {
    const given = path.resolve(paths.root, fromEnv);
    if (!existsSync(given)) {
      throw new BuildError(`${PTAU_ENV}=${fromEnv}: no such file or folder (${given}). Relative paths are taken from the project root.`);
    }
    let file = given;
    let header: PtauHeader;
    if (statSync(given).isDirectory()) {
      const found = smallestFitting(given, power);
      if (!found) throw new BuildError(`${PTAU_ENV}=${fromEnv}: no prepared BN254 .ptau of power ${power} or more in that folder.\n${howToMake(power)}`);
      ({ file, header } = found);
    } else {
      try {
        header = readPtauHeader(file);
      } catch (err) {
        throw new BuildError(`${PTAU_ENV}=${fromEnv}: cannot read it: ${(err as Error).message}`);
      }
      const why = unfit(header, power);
      if (why) throw new BuildError(`${PTAU_ENV}=${fromEnv} cannot be used: ${why}.\n${howToMake(power)}`);
    }
    const choice: PtauChoice = { ...header, path: file, kind: "env", sha256: await hashFile(file) };
    const how = file === given ? "" : ` (smallest that fits in ${rel(given)}/)`;
    item("ptau", `from ${PTAU_ENV}${how}: ${describe(choice)}`);
    return choice;
  }

  const cached = existsSync(paths.ptauCache) ? smallestFitting(paths.ptauCache, power) : undefined;
  if (cached) {
    const choice: PtauChoice = { ...cached.header, path: cached.file, kind: "cache", sha256: await hashFile(cached.file) };
    const publicFile = existsSync(cached.file.replace(/\.ptau$/, ".json")) && (JSON.parse(readFileSync(cached.file.replace(/\.ptau$/, ".json"), "utf8")) as { public?: boolean }).public === true;
    item("ptau", `cached: ${describe(choice)}${publicFile ? " — the public Hermez ceremony file, verified when downloaded" : ""}`);
    if (!publicFile && choice.contributions <= 1) detail("(a development file: fine for tests, not for production)");
    return choice;
  }

  const previous = await previousPtau(power);
  if (previous) {
    item("ptau", `the file the current keys were built from: ${describe(previous)} (sha256 unchanged; ${PTAU_ENV} is unset)`);
    return previous;
  }

  if (process.env[PTAU_DOWNLOAD_ENV] !== "0") {
    try {
      const pub = await downloadPublicPtau(power);
      return { ...pub.header, path: pub.path, kind: "public", sha256: await hashFile(pub.path) };
    } catch (err) {
      item("ptau", `no public ceremony file (${(err as Error).message}): falling back to a development file`);
    }
  }
  return generatePtau(Math.max(MIN_GENERATED_POWER, power));
}

/**
 * The phase-1 file recorded in the existing keys' metadata, if it still exists, still has the recorded
 * sha256 and fits `power`. Files are tried in metadata order; the first that qualifies wins.
 */
export async function previousPtau(power: number, keysDir: string = paths.keysDir): Promise<PtauChoice | undefined> {
  if (!existsSync(keysDir)) return undefined;
  const seen = new Set<string>();
  for (const f of readdirSync(keysDir).filter((n) => n.endsWith(".json") && !n.endsWith(".vkey.json")).sort()) {
    let recorded: { path?: unknown; sha256?: unknown } | undefined;
    try {
      recorded = (JSON.parse(readFileSync(path.join(keysDir, f), "utf8")) as { ptau?: { path?: unknown; sha256?: unknown } }).ptau;
    } catch {
      continue; // not key metadata
    }
    if (typeof recorded?.path !== "string" || typeof recorded.sha256 !== "string") continue;
    const file = path.resolve(paths.root, recorded.path);
    if (seen.has(file) || !existsSync(file)) continue;
    seen.add(file);
    let header: PtauHeader;
    try {
      header = readPtauHeader(file);
    } catch {
      continue;
    }
    if (unfit(header, power)) continue;
    const sha256 = await hashFile(file);
    if (sha256 === recorded.sha256) return { ...header, path: file, kind: "previous", sha256 };
  }
  return undefined;
}

/** Seconds to generate a development file here (2 cores, snarkjs 0.7.6, ../shared/ptau/README.md). */
const MEASURED_GENERATION_S: Record<number, number> = { 14: 349, 16: 1437, 17: 4153 };

/** The measured time for `power` if there is one, else an estimate from power 17's, tripling per power. */
function expectedGenerationTime(power: number): string {
  const measured = MEASURED_GENERATION_S[power];
  const seconds = measured ?? 4153 * 3 ** (power - 17);
  const how = measured !== undefined ? "measured here" : "an estimate from power 17's measured 69 min, tripling per power";
  const time = seconds < 90 ? `about ${Math.max(1, Math.round(seconds))} s` : seconds < 5400 ? `about ${Math.round(seconds / 60)} min` : `about ${(seconds / 3600).toFixed(1)} h`;
  return `${time} (${how})`;
}

/** The smallest prepared BN254 `.ptau` in `dir` of at least `power`. */
function smallestFitting(dir: string, power: number): { file: string; header: PtauHeader } | undefined {
  const usable: { file: string; header: PtauHeader }[] = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith(".ptau")).sort()) {
    const file = path.join(dir, f);
    try {
      const header = readPtauHeader(file);
      if (!unfit(header, power)) usable.push({ file, header });
    } catch (err) {
      detail(`ignoring ${rel(file)}: ${(err as Error).message}`);
    }
  }
  usable.sort((a, b) => a.header.power - b.header.power);
  return usable[0];
}

/** Run `work`, printing a line every 30 s so a long snarkjs call does not look hung. */
async function timed<T>(label: string, work: () => Promise<T>): Promise<T> {
  const start = now();
  const ticker = setInterval(() => detail(`${label}: still running (${formatMs(since(start))})`), 30_000);
  try {
    const result = await work();
    detail(`${label}: ${formatMs(since(start))}`);
    return result;
  } finally {
    clearInterval(ticker);
  }
}

/** Generate, prepare and cache `build/ptau/pot<power>_dev.ptau` in-process with snarkjs. */
async function generatePtau(power: number): Promise<PtauChoice> {
  const final = path.join(paths.ptauCache, `pot${power}_dev.ptau`);
  loud([
    `No phase-1 file: ${PTAU_ENV} is unset and ${rel(paths.ptauCache)}/ has none of power >= ${power}.`,
    `GENERATING A DEVELOPMENT POWERS-OF-TAU FILE (power ${power}) WITH ONE CONTRIBUTOR.`,
    "NOT FOR PRODUCTION: whoever holds this machine's randomness could forge proofs.",
    `Expect ${expectedGenerationTime(power)} on 2 cores for power ${power}; a line every 30 s shows it is alive. Cached as ${rel(final)}.`,
    `To skip this, set ${PTAU_ENV} to an existing prepared .ptau file.`,
  ]);
  const start = now();
  const snarkjs = await loadSnarkjs();
  const curve = await snarkjs.curves.getCurveFromName("bn128");
  const logger = snarkjsLogger({ quietInfo: true });
  const p0 = tmpPath(`pot${power}_0.ptau`);
  const p1 = tmpPath(`pot${power}_1.ptau`);
  const p2 = tmpPath(`pot${power}_dev.ptau`);
  await timed("new accumulator", () => snarkjs.powersOfTau.newAccumulator(curve, power, p0, logger));
  await timed("contribution", () =>
    snarkjs.powersOfTau.contribute(p0, p1, "plimsoll development contribution — NOT FOR PRODUCTION", randomBytes(32).toString("hex"), logger),
  );
  await timed("prepare phase 2", () => snarkjs.powersOfTau.preparePhase2(p1, p2, logger));
  if (logger.errors.length > 0) throw new BuildError(`snarkjs failed to generate the ptau: ${logger.errors.join("; ")}`);

  mkdirSync(paths.ptauCache, { recursive: true });
  writeAtomic(
    final.replace(/\.ptau$/, ".json"),
    JSON.stringify(
      {
        file: path.basename(final),
        power,
        curve: "bn128",
        contributions: 1,
        development: true,
        note: "generated by scripts/build.ts with one random contribution: development only, not for production",
        generatedAt: new Date().toISOString(),
      },
      null,
      2,
    ) + "\n",
  );
  moveIntoPlace(p2, final);
  const choice: PtauChoice = { ...readPtauHeader(final), path: final, kind: "generated", sha256: await hashFile(final) };
  item("ptau", `generated in ${formatMs(since(start))}: ${describe(choice)} — development only`);
  return choice;
}
