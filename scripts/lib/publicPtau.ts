/**
 * Phase 1 from a public ceremony: the Hermez (Polygon zkEVM) prepared files of the Perpetual Powers of
 * Tau, by their published URL and BLAKE2b-512 hash (the table in the snarkjs README, "7. Prepare phase
 * 2"). A file is accepted only if its hash is the published one for its power and its header says it
 * is a prepared BN254 file of that power; anything else is deleted and reported.
 *
 * `PLIMSOLL_PTAU_MIRROR` replaces the base URL (a mirror or a proxy serving the same file names);
 * `PLIMSOLL_PTAU_DOWNLOAD=0` skips the attempt. The download is streamed to a temporary file while it is
 * hashed, with an idle timeout, and moved into build/ptau/ only once verified.
 */
import { createHash } from "node:crypto";
import { createWriteStream, existsSync, mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { BuildError, detail, formatMs, item, now, since } from "./log.js";
import { paths, rel } from "./paths.js";
import { moveIntoPlace, tmpPath, writeAtomic } from "./stamps.js";
import { readPtauHeader, type PtauHeader } from "./ptau.js";

/** Where the Hermez files are published. */
export const HERMEZ_BASE_URL = "https://storage.googleapis.com/zkevm/ptau";
export const PTAU_MIRROR_ENV = "PLIMSOLL_PTAU_MIRROR";
export const PTAU_DOWNLOAD_ENV = "PLIMSOLL_PTAU_DOWNLOAD";

/**
 * BLAKE2b-512 of `powersOfTau28_hez_final_<NN>.ptau`, as published in the snarkjs README (powers 8 to
 * 20; the files above 20 are gigabytes and no Plimsoll circuit needs them).
 */
export const HERMEZ_BLAKE2B: Readonly<Record<number, string>> = {
  8: "d6a8fb3a04feb600096c3b791f936a578c4e664d262e4aa24beed1b7a9a96aa5eb72864d628db247e9293384b74b36ffb52ca8d148d6e1b8b51e279fdf57b583",
  9: "94f108a80e81b5d932d8e8c9e8fd7f46cf32457e31462deeeef37af1b71c2c1b3c71fb0d9b59c654ec266b042735f50311f9fd1d4cadce47ab234ad163157cb5",
  10: "6cfeb8cda92453099d20120bdd0e8a5c4e7706c2da9a8f09ccc157ed2464d921fd0437fb70db42104769efd7d6f3c1f964bcf448c455eab6f6c7d863e88a5849",
  11: "47c282116b892e5ac92ca238578006e31a47e7c7e70f0baa8b687f0a5203e28ea07bbbec765a98dcd654bad618475d4661bfaec3bd9ad2ed12e7abc251d94d33",
  12: "ded2694169b7b08e898f736d5de95af87c3f1a64594013351b1a796dbee393bd825f88f9468c84505ddd11eb0b1465ac9b43b9064aa8ec97f2b73e04758b8a4a",
  13: "58efc8bf2834d04768a3d7ffcd8e1e23d461561729beaac4e3e7a47829a1c9066d5320241e124a1a8e8aa6c75be0ba66f65bc8239a0542ed38e11276f6fdb4d9",
  14: "eeefbcf7c3803b523c94112023c7ff89558f9b8e0cf5d6cdcba3ade60f168af4a181c9c21774b94fbae6c90411995f7d854d02ebd93fb66043dbb06f17a831c1",
  15: "982372c867d229c236091f767e703253249a9b432c1710b4f326306bfa2428a17b06240359606cfe4d580b10a5a1f63fbed499527069c18ae17060472969ae6e",
  16: "6a6277a2f74e1073601b4f9fed6e1e55226917efb0f0db8a07d98ab01df1ccf43eb0e8c3159432acd4960e2f29fe84a4198501fa54c8dad9e43297453efec125",
  17: "6247a3433948b35fbfae414fa5a9355bfb45f56efa7ab4929e669264a0258976741dfbe3288bfb49828e5df02c2e633df38d2245e30162ae7e3bcca5b8b49345",
  18: "7e6a9c2e5f05179ddfc923f38f917c9e6831d16922a902b0b4758b8e79c2ab8a81bb5f29952e16ee6c5067ed044d7857b5de120a90704c1d3b637fd94b95b13e",
  19: "bca9d8b04242f175189872c42ceaa21e2951e0f0f272a0cc54fc37193ff6648600eaf1c555c70cdedfaf9fb74927de7aa1d33dc1e2a7f1a50619484989da0887",
  20: "89a66eb5590a1c94e3f1ee0e72acf49b1669e050bb5f93c73b066b564dca4e0c7556a52b323178269d64af325d8fdddb33da3a27c34409b821de82aa2bf1a27b",
};

/** The published file name of power `power`. */
export function hermezFileName(power: number): string {
  return `powersOfTau28_hez_final_${String(power).padStart(2, "0")}.ptau`;
}

export interface PublicPtauOptions {
  /** Base URL (default: PLIMSOLL_PTAU_MIRROR, else the Hermez bucket). */
  baseUrl?: string;
  /** Published hashes by power (default HERMEZ_BLAKE2B). */
  hashes?: Readonly<Record<number, string>>;
  /** Folder to keep the verified file in (default build/ptau/). */
  dir?: string;
  /** Abort when no byte arrives for this long (default 30 s). */
  idleMs?: number;
}

/** A verified public file. */
export interface PublicPtau {
  path: string;
  power: number;
  url: string;
  blake2b: string;
  header: PtauHeader;
}

/**
 * Downloads and verifies the smallest published file of at least `power`. Throws a BuildError saying
 * why (no published file that large, the network, a hash or header mismatch); the partial file is
 * deleted in every case.
 */
export async function downloadPublicPtau(power: number, opts: PublicPtauOptions = {}): Promise<PublicPtau> {
  const hashes = opts.hashes ?? HERMEZ_BLAKE2B;
  const chosen = Object.keys(hashes).map(Number).filter((p) => p >= power).sort((a, b) => a - b)[0];
  if (chosen === undefined) throw new BuildError(`no published public phase-1 file of power ${power} or more`);
  const base = (opts.baseUrl ?? process.env[PTAU_MIRROR_ENV] ?? HERMEZ_BASE_URL).replace(/\/+$/, "");
  const name = hermezFileName(chosen);
  const url = `${base}/${name}`;
  const dir = opts.dir ?? paths.ptauCache;
  const final = path.join(dir, name);
  const tmp = tmpPath(name);
  const start = now();
  item("ptau", `downloading the public Hermez ceremony file ${url}`);
  const idleMs = opts.idleMs ?? 30_000;
  const abort = new AbortController();
  let idle = setTimeout(() => abort.abort(), idleMs);
  const hash = createHash("blake2b512");
  let bytes = 0;
  try {
    let res: Response;
    try {
      res = await fetch(url, { signal: abort.signal });
    } catch (err) {
      throw new BuildError(`cannot fetch ${url}: ${(err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message}`);
    }
    if (!res.ok || res.body === null) throw new BuildError(`${url}: HTTP ${res.status}`);
    const total = Number(res.headers.get("content-length") ?? 0);
    const out = createWriteStream(tmp, { mode: 0o644 });
    let lastReport = now();
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        clearTimeout(idle);
        idle = setTimeout(() => abort.abort(), idleMs);
        hash.update(chunk);
        bytes += chunk.length;
        if (!out.write(chunk)) await new Promise<void>((r) => out.once("drain", () => r()));
        if (since(lastReport) > 10_000) {
          lastReport = now();
          detail(`${(bytes / 2 ** 20).toFixed(0)} MiB${total ? ` of ${(total / 2 ** 20).toFixed(0)} MiB` : ""} in ${formatMs(since(start))}`);
        }
      }
    } catch (err) {
      throw new BuildError(`${url}: the download stopped after ${bytes} bytes (${abort.signal.aborted ? `no data for ${idleMs / 1000} s` : (err as Error).message})`);
    } finally {
      await new Promise<void>((r) => out.end(() => r()));
    }
    const got = hash.digest("hex");
    if (got !== hashes[chosen]) throw new BuildError(`${url}: BLAKE2b-512 ${got.slice(0, 16)}… is not the published ${hashes[chosen]!.slice(0, 16)}… for power ${chosen}: refused`);
    const header = readPtauHeader(tmp);
    if (!header.bn254 || !header.prepared || header.power !== chosen) throw new BuildError(`${url}: the hash matches but the header says power ${header.power}, ${header.prepared ? "prepared" : "not prepared"}, ${header.bn254 ? "BN254" : "another curve"}`);
    mkdirSync(dir, { recursive: true });
    writeAtomic(final.replace(/\.ptau$/, ".json"), JSON.stringify({ file: name, power: chosen, url, blake2b: got, public: true, source: "Hermez / Perpetual Powers of Tau (snarkjs README)", downloadedAt: new Date().toISOString() }, null, 2) + "\n");
    moveIntoPlace(tmp, final);
    item("ptau", `verified (BLAKE2b-512 as published) in ${formatMs(since(start))}: ${rel(final)}`);
    return { path: final, power: chosen, url, blake2b: got, header };
  } finally {
    clearTimeout(idle);
    if (existsSync(tmp)) rmSync(tmp, { force: true });
  }
}
