/**
 * The web app's server side (Node): builds the bundle with Vite, serves it with what the pages fetch,
 * and can start a development world for it.
 *
 *   /                       the built app (web/dist)
 *   /config.json            the deployment file, the ABIs, the key URLs, the public periods, the keeper state URL
 *   /rpc                    JSON-RPC, proxied to the node (same origin: no CORS on the node needed)
 *   /keys/<circuit>.wasm    the circuit's witness generator, from build/ (the library's artifact paths)
 *   /keys/<circuit>.zkey    its proving key
 *   /vendor/snarkjs.min.js  snarkjs' browser build, loaded by the proving worker
 *   /periods/<custodian>/<index>/period.json   a period's PUBLIC file (never run.db or inclusion files)
 *   /keeper/state.json      the keeper daemon's watched accounts and log (only with keeperState)
 *
 * The development world is the CLI's: `plimsoll deploy` against a `hardhat node` it starts on
 * 127.0.0.1, then a keeper (account 9) registered as keeper 1 so that a trader can name it.
 */
import { createReadStream, existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import { artifactPaths, readKeeperState, KEEPER_STATE_FILE } from "../prover/src/index.js";
import { abiOf, errorFragments } from "../cli/chain/contracts.js";
import { readDeployment, type DeploymentFile } from "../cli/chain/deployment.js";
import { freePort, startHardhatNode as startNodeAt, type LocalNode } from "../scripts/lib/localServer.js";

export const WEB_DIR = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.dirname(WEB_DIR);
export const DIST_DIR = path.join(WEB_DIR, "dist");
const PLIMSOLL_BIN = path.join(ROOT, "bin", "plimsoll.mjs");
/** Circuits whose keys the server hands out. */
const CIRCUITS = ["account_update"];

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".svg": "image/svg+xml",
  ".png": "image/png",
};

/** One built file and its size. */
export interface BundleFile {
  file: string;
  bytes: number;
}

/** Builds the app with Vite into web/dist; returns every output file and its size. */
export async function buildWeb(opts: { quiet?: boolean } = {}): Promise<BundleFile[]> {
  const { build } = await import("vite");
  await build({ configFile: path.join(WEB_DIR, "vite.config.ts"), logLevel: opts.quiet ? "warn" : "info" });
  return bundleFiles();
}

/** The files of web/dist with their sizes. */
export function bundleFiles(): BundleFile[] {
  const out: BundleFile[] = [];
  const walk = (dir: string): void => {
    for (const name of existsSync(dir) ? readdirSync(dir) : []) {
      const p = path.join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push({ file: path.relative(DIST_DIR, p), bytes: statSync(p).size });
    }
  };
  walk(DIST_DIR);
  return out;
}


/** What the server serves. */
export interface WebServerOptions {
  /** JSON-RPC URL of the node (only 127.0.0.1 in the tests). */
  rpc: string;
  /** The deployment file (path). */
  deployment: string;
  /** Port (default: a free one); host is always 127.0.0.1. */
  port?: number;
  /** Period folders written by `plimsoll reserves prove` whose period.json the auditor page may fetch. */
  periods?: string[];
  /** The keeper daemon's state folder (`keeper run --state DIR`) for the keeper page. */
  keeperState?: string;
}

export interface WebServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, body: string | Buffer, type = "text/plain; charset=utf-8"): void {
  res.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(body), "cache-control": "no-store" });
  res.end(body);
}

function sendFile(res: ServerResponse, file: string, cache: string): void {
  const st = statSync(file);
  res.writeHead(200, { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream", "content-length": st.size, "cache-control": cache });
  createReadStream(file).pipe(res);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on("data", (b: Buffer) => parts.push(b));
    req.on("end", () => resolve(Buffer.concat(parts)));
    req.on("error", reject);
  });
}

/** The contract ABIs the pages use; the engine's carries every custom error of the system so reverts decode. */
function abis(): Record<string, unknown[]> {
  const engine = (abiOf("MarginEngine") as { type?: string }[]).filter((f) => f.type !== "error");
  engine.push(...(errorFragments() as { type?: string }[]));
  return {
    MarginEngine: engine,
    PlimsollOracle: abiOf("PlimsollOracle") as unknown[],
    KeeperRegistry: abiOf("KeeperRegistry") as unknown[],
    ReserveRegistry: abiOf("ReserveRegistry") as unknown[],
    MockERC20: abiOf("MockERC20") as unknown[],
    PerpMarket: abiOf("PerpMarket") as unknown[],
  };
}

/** A period folder's key `custodian/index` (from its period.json). */
function periodKey(dir: string): { key: string; file: string } {
  const file = path.join(dir, "period.json");
  const p = JSON.parse(readFileSync(file, "utf8")) as { custodian: string; periodIndex: number };
  return { key: `${p.custodian.toLowerCase()}/${p.periodIndex}`, file };
}

function keeperDoc(dir: string): unknown {
  const s = readKeeperState(path.join(dir, KEEPER_STATE_FILE));
  const logFile = path.join(dir, "keeper.log");
  const log = existsSync(logFile)
    ? readFileSync(logFile, "utf8").split("\n").filter((l) => l.trim() !== "").slice(-200).map((l) => { try { return JSON.parse(l) as unknown; } catch { return { msg: l }; } })
    : [];
  return {
    keeperId: s.keeperId.toString(),
    lastBlock: s.lastBlock ?? null,
    lastEpochEvaluated: s.lastEpochEvaluated.toString(),
    accounts: [...s.accounts].map(([address, a]) => ({ address, commitment: a.commitment.toString(), amounts: a.opening?.amounts.map(String) ?? null, keeperId: a.keeperId.toString() })),
    log,
  };
}

/** Serves web/dist (build it first with `buildWeb`) against `o.rpc` and `o.deployment`. */
export async function startWebServer(o: WebServerOptions): Promise<WebServer> {
  if (!existsSync(path.join(DIST_DIR, "index.html"))) throw new Error(`no web bundle in ${DIST_DIR}: build it first (npm run web builds it)`);
  const deployment: DeploymentFile = readDeployment(o.deployment);
  const art = artifactPaths();
  const keyFiles = new Map<string, string>();
  const keys: Record<string, { wasm: string; zkey: string }> = {};
  for (const name of CIRCUITS) {
    const c = art.circuit(name);
    if (!existsSync(c.wasmPath) || !existsSync(c.zkeyPath)) throw new Error(`no keys for ${name} in ${art.root}: run 'npm run build'`);
    const v = (f: string): string => { const st = statSync(f); return `${st.size.toString(36)}-${Math.floor(st.mtimeMs).toString(36)}`; };
    keyFiles.set(`/keys/${name}.wasm`, c.wasmPath);
    keyFiles.set(`/keys/${name}.zkey`, c.zkeyPath);
    keys[name] = { wasm: `./keys/${name}.wasm?v=${v(c.wasmPath)}`, zkey: `./keys/${name}.zkey?v=${v(c.zkeyPath)}` };
  }
  // The deployment's first block's hash: a restarted development node reuses the addresses, not the hashes.
  const block = (await (await fetch(o.rpc, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_getBlockByNumber", params: [`0x${deployment.deployBlock.toString(16)}`, false] }) })).json()) as { result?: { hash?: string } };
  const worldId = block.result?.hash ?? "";
  const periods = new Map((o.periods ?? []).map((dir) => { const { key, file } = periodKey(dir); return [key, file] as const; }));
  const config = JSON.stringify({
    deployment,
    abis: abis(),
    keys,
    snarkjs: "./vendor/snarkjs.min.js",
    periods: Object.fromEntries([...periods.keys()].map((k) => [k, `./periods/${k}/period.json`])),
    keeperState: o.keeperState === undefined ? null : "./keeper/state.json",
    worldId,
  });
  const snarkjsFile = path.join(ROOT, "node_modules", "snarkjs", "build", "snarkjs.min.js");

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const p = decodeURIComponent(url.pathname);
      try {
        if (p === "/rpc" && req.method === "POST") {
          const body = await readBody(req);
          const r = await fetch(o.rpc, { method: "POST", headers: { "content-type": "application/json" }, body: body.toString("utf8") });
          return send(res, r.status, Buffer.from(await r.arrayBuffer()), "application/json");
        }
        if (req.method !== "GET" && req.method !== "HEAD") return send(res, 405, "method not allowed");
        if (p === "/config.json") return send(res, 200, config, "application/json");
        const key = keyFiles.get(p);
        if (key !== undefined) return sendFile(res, key, "public, max-age=31536000, immutable");
        if (p === "/vendor/snarkjs.min.js") return sendFile(res, snarkjsFile, "public, max-age=3600");
        const m = /^\/periods\/(0x[0-9a-f]{40}\/[0-9]+)\/period\.json$/.exec(p);
        if (m !== null) {
          const f = periods.get(m[1]!);
          return f === undefined ? send(res, 404, "no such period") : sendFile(res, f, "no-store");
        }
        if (p === "/keeper/state.json") {
          if (o.keeperState === undefined) return send(res, 404, "no keeper state");
          return send(res, 200, JSON.stringify(keeperDoc(o.keeperState)), "application/json");
        }
        // The bundle: hashed assets, index.html for everything else.
        const file = path.join(DIST_DIR, path.normalize(p).replace(/^(\.\.[/\\])+/, ""));
        if (file.startsWith(DIST_DIR) && p !== "/" && existsSync(file) && statSync(file).isFile()) return sendFile(res, file, p.startsWith("/assets/") ? "public, max-age=31536000, immutable" : "no-store");
        return sendFile(res, path.join(DIST_DIR, "index.html"), "no-store");
      } catch (err) {
        if (!res.headersSent) send(res, 502, (err as Error).message);
        else res.destroy();
      }
    })();
  });
  const port = o.port ?? 0;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  const actual = typeof address === "object" && address !== null ? address.port : port;
  return {
    url: `http://127.0.0.1:${actual}/`,
    server,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

// --- the development world ----------------------------------------------------------------------

export { freePort, type LocalNode };

/** Starts `hardhat node` from the project root on 127.0.0.1 (port default: a free one). */
export function startHardhatNode(port?: number): Promise<LocalNode> {
  return startNodeAt(ROOT, port);
}

const run = promisify(execFile);

/** Runs the `plimsoll` CLI (bin/plimsoll.mjs) in `cwd`; rejects with its stderr on a non-zero exit. */
export async function plimsoll(cwd: string, ...args: string[]): Promise<string> {
  try {
    const { stdout } = await run(process.execPath, [PLIMSOLL_BIN, ...args], { cwd, env: { ...process.env, PLIMSOLL_PRIVATE_KEY: "" }, maxBuffer: 16 << 20 });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`plimsoll ${args.join(" ")}: ${e.stderr?.trim() || e.message}`);
  }
}

/**
 * Deploys the development world to `rpc` with `plimsoll deploy` (deployment file in `dir`), then
 * registers keeper 1 (account 9, key file `dir/keeper-key.json`). Returns the deployment file path.
 */
export async function deployDevWorld(rpc: string, dir: string, log: (m: string) => void = () => undefined): Promise<{ deployment: string; keeperKey: string }> {
  const deployment = path.join(dir, "deployment.json");
  const keeperKey = path.join(dir, "keeper-key.json");
  log(`plimsoll deploy --rpc ${rpc}`);
  await plimsoll(dir, "deploy", "--rpc", rpc, "--out", deployment, "--force");
  const common = ["--deployment", deployment, "--rpc", rpc];
  log("registering keeper 1 (account 9)");
  if (!existsSync(keeperKey)) await plimsoll(dir, "keeper", "keygen", "--out", keeperKey);
  await plimsoll(dir, "dev", "mint", "--asset", "USDC", "--amount", "1000", "--account", "9", ...common);
  await plimsoll(dir, "keeper", "register", "--key", keeperKey, "--account", "9", ...common);
  return { deployment, keeperKey };
}
