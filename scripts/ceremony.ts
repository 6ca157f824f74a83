/**
 * Phase-2 ceremony for one circuit's Groth16 key (build/keys/<circuit>.zkey):
 *
 *   contribute  add a named contribution with fresh randomness
 *   verify      check the zkey against the r1cs and the phase-1 file; list every contribution
 *   beacon      close the ceremony with a public random beacon
 *
 * Every step keeps the previous zkey under build/keys/ceremony/<circuit>/ and appends to its
 * transcript.json, then re-exports the verification key and the Solidity verifier. The ceremony
 * starts from the key `npm run build` made, which already holds the build's development
 * contribution; the key is sound if any one contributor destroyed their randomness, and no
 * sounder than the phase-1 file it was made from (see metadata `ptau`).
 */
import { randomBytes } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { BuildError, formatMs, isVerbose, item, now, setVerbose, since, snarkjsLogger } from "./lib/log.js";
import { readKeyMetadata, writeKeyMetadata } from "./lib/metadata.js";
import { paths, rel } from "./lib/paths.js";
import { loadSnarkjs, terminateCurves } from "./lib/snarkjs.js";
import { acquireLock, cleanStaleTmp, moveIntoPlace, releaseLock, releaseOnSignal, tmpPath, writeAtomic } from "./lib/stamps.js";
import { buildVerifier } from "./lib/verifiers.js";
import { UsageError } from "../cli/usage.js";

const USAGE = `Usage: node --import tsx scripts/ceremony.ts <command> <circuit> [options]

Phase-2 (per-circuit) ceremony on build/keys/<circuit>.zkey, made by \`npm run build\`.

Commands:
  contribute <circuit> --name <who> [--entropy <text>]
      Add a contribution. Randomness: 32 random bytes from the OS, plus --entropy if given
      (snarkjs mixes in 64 more). Destroying it is the contributor's part of the bargain.
  beacon <circuit> --hash <hex> [--iterations <n>] [--name <text>]
      Final contribution from a public random beacon (e.g. a future block hash announced in
      advance); --iterations is the exponent of the hash iterations, 10..63 (default 10).
      No contribution is accepted after the beacon.
  verify <circuit> [--ptau <file>]
      Recompute the key from the r1cs and the phase-1 file (default: the one recorded in
      build/keys/<circuit>.json) and check every contribution; prints the contribution list.

Options:
  --verbose   show snarkjs progress
  -h, --help  show this help

Each contribute/beacon keeps the previous zkey in build/keys/ceremony/<circuit>/ with
transcript.json, and rewrites <circuit>.vkey.json, <circuit>.json and the Solidity verifier.
A later \`npm run build\` keeps these keys unless the circuit or the phase-1 file changes (then it
makes fresh development keys and drops the transcript).

Exit status: 0 on success, 1 on a failed step or verification, 2 on a usage error.`;


interface TranscriptEntry {
  index: number;
  type: "contribution" | "beacon";
  name: string;
  /** snarkjs contribution hash (hex), as printed by `verify`. */
  hash: string;
  /** The zkey after this step, kept in the ceremony folder. */
  zkey: string;
  at: string;
  beacon?: { hash: string; iterationsExp: number };
}

interface Args {
  command: "contribute" | "beacon" | "verify";
  circuit: string;
  flags: Map<string, string>;
}

function parseArgs(argv: string[]): Args | "help" {
  if (argv.includes("-h") || argv.includes("--help") || argv.length === 0) return "help";
  const [command, circuit, ...rest] = argv;
  if (command !== "contribute" && command !== "beacon" && command !== "verify") throw new UsageError(`unknown command ${command}`);
  if (circuit === undefined || circuit.startsWith("-")) throw new UsageError(`${command} needs a circuit name (e.g. account_update)`);
  const allowed: Record<Args["command"], string[]> = {
    contribute: ["--name", "--entropy"],
    beacon: ["--hash", "--iterations", "--name"],
    verify: ["--ptau"],
  };
  const flags = new Map<string, string>();
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i]!;
    if (flag === "--verbose") {
      setVerbose(true);
      continue;
    }
    if (!allowed[command].includes(flag)) throw new UsageError(`${command} does not take ${flag}`);
    const value = rest[++i];
    if (value === undefined) throw new UsageError(`${flag} needs a value`);
    flags.set(flag, value);
  }
  return { command, circuit, flags };
}

function transcriptFile(circuit: string): string {
  return path.join(paths.ceremonyDir(circuit), "transcript.json");
}

function readTranscript(circuit: string): TranscriptEntry[] {
  const file = transcriptFile(circuit);
  return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as TranscriptEntry[]) : [];
}

function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("hex");
}

/** Run one contribution or the beacon, keep the transcript, re-export vkey and verifier. */
async function extend(circuit: string, type: TranscriptEntry["type"], name: string, run: (from: string, to: string) => Promise<unknown>, beacon?: TranscriptEntry["beacon"]): Promise<void> {
  const meta = readKeyMetadata(circuit);
  const transcript = readTranscript(circuit);
  if (transcript.some((e) => e.type === "beacon")) throw new BuildError(`${circuit}: the ceremony was closed with a beacon; no further contributions`);
  const dir = paths.ceremonyDir(circuit);
  mkdirSync(dir, { recursive: true });
  if (transcript.length === 0) {
    // Keep the key the build made (its development contribution) as the start of the chain.
    copyFileSync(paths.zkey(circuit), path.join(dir, "0001.zkey"));
  }

  const start = now();
  const next = tmpPath(`${circuit}.zkey`);
  const result = await run(paths.zkey(circuit), next);
  if (!(result instanceof Uint8Array)) throw new BuildError(`snarkjs ${type} failed on ${rel(paths.zkey(circuit))}`);

  const index = meta.contributions.length + 1;
  const kept = path.join(dir, `${String(index).padStart(4, "0")}.zkey`);
  copyFileSync(next, kept);
  moveIntoPlace(next, paths.zkey(circuit));
  const entry: TranscriptEntry = { index, type, name, hash: toHex(result), zkey: rel(kept), at: new Date().toISOString(), ...(beacon ? { beacon } : {}) };
  writeAtomic(transcriptFile(circuit), JSON.stringify([...transcript, entry], null, 2) + "\n");

  const snarkjs = await loadSnarkjs();
  const vkey = await snarkjs.zKey.exportVerificationKey(paths.zkey(circuit));
  writeAtomic(paths.vkey(circuit), JSON.stringify(vkey, null, 1) + "\n");
  writeKeyMetadata({ ...meta, contributions: [...meta.contributions, name] });
  item(circuit, `${type} #${index} "${name}" in ${formatMs(since(start))}`);
  console.log(`      contribution hash ${entry.hash}`);
  console.log(`      previous key kept in ${rel(dir)}/, transcript ${rel(transcriptFile(circuit))}`);
  await buildVerifier(circuit, false);
}

async function contribute(circuit: string, flags: Map<string, string>): Promise<void> {
  const name = flags.get("--name");
  if (!name) throw new UsageError("contribute needs --name <who> (it is recorded in the key and the transcript)");
  const entropy = randomBytes(32).toString("hex") + (flags.get("--entropy") ?? "");
  const snarkjs = await loadSnarkjs();
  await extend(circuit, "contribution", name, (from, to) => snarkjs.zKey.contribute(from, to, name, entropy, snarkjsLogger({ quietInfo: true })));
}

async function beacon(circuit: string, flags: Map<string, string>): Promise<void> {
  const hash = flags.get("--hash");
  if (!hash || !/^([0-9a-fA-F]{2}){1,255}$/.test(hash)) throw new UsageError("beacon needs --hash <hex>: an even number of hex digits, at most 255 bytes");
  const iterationsExp = Number(flags.get("--iterations") ?? "10");
  if (!Number.isInteger(iterationsExp) || iterationsExp < 10 || iterationsExp > 63) throw new UsageError("--iterations must be an integer from 10 to 63");
  const name = flags.get("--name") ?? "final beacon";
  const snarkjs = await loadSnarkjs();
  await extend(
    circuit,
    "beacon",
    name,
    (from, to) => snarkjs.zKey.beacon(from, to, name, hash, iterationsExp, snarkjsLogger({ quietInfo: true })),
    { hash, iterationsExp },
  );
}

async function verify(circuit: string, flags: Map<string, string>): Promise<boolean> {
  const meta = readKeyMetadata(circuit);
  const ptau = path.resolve(paths.root, flags.get("--ptau") ?? meta.ptau.path);
  if (!existsSync(ptau)) throw new BuildError(`phase-1 file ${ptau} not found: pass the one the keys were made from with --ptau (sha256 ${meta.ptau.sha256})`);
  console.log(`verifying ${rel(paths.zkey(circuit))} against ${rel(paths.r1cs(circuit))} and ${rel(ptau)}`);
  const start = now();
  const snarkjs = await loadSnarkjs();
  const ok = (await snarkjs.zKey.verifyFromR1cs(paths.r1cs(circuit), ptau, paths.zkey(circuit), snarkjsLogger())) as boolean;
  const transcript = readTranscript(circuit);
  if (transcript.length > 0) {
    console.log(`transcript (${rel(transcriptFile(circuit))}):`);
    for (const e of transcript) console.log(`  #${e.index} ${e.type} "${e.name}" ${e.at} -> ${e.zkey}`);
  }
  console.log(ok ? `zkey OK (${formatMs(since(start))}): ${meta.contributions.length} contribution(s)` : "zkey verification FAILED");
  return ok;
}

async function main(): Promise<number> {
  let args: Args | "help";
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`error: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (args === "help") {
    console.log(USAGE);
    return 0;
  }
  releaseOnSignal();
  try {
    await acquireLock((pid) => console.log(`waiting for a build or ceremony in this tree (pid ${pid}) to finish...`));
    cleanStaleTmp();
    if (!existsSync(paths.zkey(args.circuit))) throw new BuildError(`no key ${rel(paths.zkey(args.circuit))}: run \`npm run build\` first`);
    if (args.command === "contribute") await contribute(args.circuit, args.flags);
    else if (args.command === "beacon") await beacon(args.circuit, args.flags);
    else return (await verify(args.circuit, args.flags)) ? 0 : 1;
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`error: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    console.error(`error: ${(err as Error).message}`);
    if (isVerbose() && !(err instanceof BuildError)) console.error(err);
    return 1;
  } finally {
    releaseLock();
    await terminateCurves();
  }
}

process.exit(await main());
