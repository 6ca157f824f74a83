/**
 * `npm run bench:web [-- --runs N]`: the web app's figures, in one run against a local hardhat node
 * with the development world (as `npm run web` makes it) and Debian's headless Chromium:
 *
 *   - proving time of account_update in the browser (Web Worker, snarkjs' browser build) against Node
 *     (the library's Prover, a child process), N lease renewals each, interleaved (browser, Node, ...)
 *     so that both see the same load; the first proof of each is reported apart (it builds the curve);
 *   - the time until the trader page is ready (account shown and keys loaded), in a new browser
 *     profile (keys not cached) and reloaded (keys from the Cache API), N times each;
 *   - the bundle's size (raw and gzip), the worker's snarkjs and the keys.
 *
 * Needs `npm run build` (keys, contracts) and `chromium` (apt-get install -y chromium).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";
import { Contract, JsonRpcProvider } from "ethers";
import { artifacts, OpeningStore, Prover, Trader, type EngineContract, type OracleContract, type TokenContract } from "../prover/src/index.js";
import { abiOf } from "../cli/chain/contracts.js";
import { buildWeb, deployDevWorld, DIST_DIR, ROOT, startHardhatNode, startWebServer } from "../web/server.js";
import { median } from "./lib/format.js";

const HELP = `Usage: npm run -s bench:web [-- options]

Starts a local hardhat node with the development world, serves the web app, drives Debian's headless
Chromium, and prints: account_update proving time in the browser against Node (interleaved), the
trader page's time to ready with and without cached keys, and the bundle and key sizes.
Needs \`npm run build\` (keys, contracts) and chromium (apt-get install -y chromium).

Options:
  --runs N         proofs and page loads per side (default 5)
  --chromium PATH  the browser (default $PLIMSOLL_CHROMIUM, else /usr/bin/chromium)
  -h, --help       this text

Exit status: 0 done, 1 on a failure, 2 on a usage error.`;

function usage(message: string): never {
  console.error(`bench:web: ${message}\n\n${HELP}`);
  process.exit(2);
}

const { values } = (() => {
  try {
    return parseArgs({ options: { runs: { type: "string" }, chromium: { type: "string" }, help: { type: "boolean", short: "h" } } });
  } catch (e) {
    return usage((e as Error).message);
  }
})();
if (values.help) {
  console.log(HELP);
  process.exit(0);
}
const RUNS = Number(values.runs ?? 5);
if (!Number.isInteger(RUNS) || RUNS < 1) usage(`--runs must be a positive integer, got ${values.runs}`);
const CHROMIUM = values.chromium ?? process.env.PLIMSOLL_CHROMIUM ?? "/usr/bin/chromium";

const fmt = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "plimsoll-benchweb-"));
  const files = await buildWeb({ quiet: true });
  const node = await startHardhatNode();
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  const prover = new Prover();
  const provider = new JsonRpcProvider(node.url, undefined, { staticNetwork: true });
  let web: Awaited<ReturnType<typeof startWebServer>> | undefined;
  try {
    const { deployment } = await deployDevWorld(node.url, dir);
    web = await startWebServer({ rpc: node.url, deployment });
    const d = JSON.parse(readFileSync(deployment, "utf8")) as { contracts: { engine: string; oracle: string }; tokens: { address: string }[] };

    // Ready times: a new profile each time (nothing cached), then a reload in it (keys cached).
    const cold: number[] = [];
    const warm: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const ctx = await browser.newContext();
      for (const list of [cold, warm]) {
        const page = await ctx.newPage();
        await page.goto(`${web.url}#/trader?account=1`);
        await page.waitForSelector("body[data-trader-ready='1']", { timeout: 120_000 });
        const r = (await page.evaluate(() => (window as unknown as { __plimsoll: { readyMs: number; keysCached: boolean } }).__plimsoll)) as { readyMs: number; keysCached: boolean };
        if (r.keysCached !== (list === warm)) throw new Error(`run ${i}: keys cached ${r.keysCached}, expected ${list === warm}`);
        list.push(r.readyMs);
        await page.close();
      }
      await ctx.close();
    }

    // The browser's account (1): mint and deposit once (its first proof), then renew N times.
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await page.goto(`${web.url}#/trader?account=1`);
    await page.waitForSelector("body[data-trader-ready='1']", { timeout: 120_000 });
    await page.click("#mint-form button");
    await page.waitForSelector("body[data-action-done='1']");
    const browserAction = async (button: string): Promise<{ witnessMs: number; proveMs: number }> => {
      await page.click(button);
      await page.waitForSelector("body[data-action-done='0']");
      await page.waitForSelector("body[data-action-done='1']", { timeout: 300_000 });
      const text = await page.locator("#result").innerText();
      if (!/accepted/.test(text)) throw new Error(text);
      return (await page.evaluate(() => (window as unknown as { __plimsoll: { lastAction: { witnessMs: number; proveMs: number } } }).__plimsoll.lastAction));
    };
    await page.fill("input[name=depositAmount]", "5000");

    // Node's account (2): the library's Trader with the Prover child process.
    const signer = await provider.getSigner(2);
    const usdc = new Contract(d.tokens[0]!.address, abiOf("MockERC20"), signer) as unknown as TokenContract;
    await (await usdc.mint(await signer.getAddress(), 5_000_000_000n)).wait();
    await (await usdc.approve(d.contracts.engine, 5_000_000_000n)).wait();
    const engine = new Contract(d.contracts.engine, abiOf("MarginEngine"), signer) as unknown as EngineContract;
    const registry = new Contract(await engine.keeperRegistry(), abiOf("KeeperRegistry"), provider);
    const [x, y] = (await registry.getFunction("keyOf")(1n)) as [bigint, bigint];
    const trader = await Trader.load({
      engine, oracle: new Contract(d.contracts.oracle, abiOf("PlimsollOracle"), signer) as unknown as OracleContract, signer, prover,
      artifacts: artifacts.circuit("account_update"), store: new OpeningStore(join(dir, "openings")), keeper: { keeperId: 1n, key: [BigInt(x), BigInt(y)] },
    });

    const firstBrowser = await browserAction("#deposit-form button");
    const firstNode = await trader.deposit(0, 5_000_000_000n);
    const b: { witnessMs: number; proveMs: number }[] = [];
    const n: { witnessMs: number; proveMs: number }[] = [];
    for (let i = 0; i < RUNS; i++) {
      b.push(await browserAction("#renew-form button"));
      n.push(await trader.renewLease());
    }
    await ctx.close();

    const js = files.filter((f) => /\.(js|css|html)$/.test(f.file));
    const raw = js.reduce((a, f) => a + f.bytes, 0);
    const gz = js.reduce((a, f) => a + gzipSync(readFileSync(join(DIST_DIR, f.file))).length, 0);
    const snark = readFileSync(join(ROOT, "node_modules", "snarkjs", "build", "snarkjs.min.js"));
    const c = artifacts.circuit("account_update");
    const total = (xs: { witnessMs: number; proveMs: number }[]): number[] => xs.map((r) => r.witnessMs + r.proveMs);
    const witness = (xs: { witnessMs: number }[]): number[] => xs.map((r) => r.witnessMs);
    console.log(`account_update, ${RUNS} renewals each, interleaved (median; witness + Groth16):`);
    console.log(`  browser (Chromium, Web Worker): ${fmt(median(total(b)))} (witness ${fmt(median(witness(b)))}); first proof ${fmt(firstBrowser.witnessMs + firstBrowser.proveMs)}`);
    console.log(`  Node (library Prover):          ${fmt(median(total(n)))} (witness ${fmt(median(witness(n)))}); first proof ${fmt(firstNode.witnessMs + firstNode.proveMs)}`);
    console.log(`trader page ready (median of ${RUNS}): keys not cached ${fmt(median(cold))}, cached ${fmt(median(warm))}`);
    console.log(`bundle: ${(raw / 1e6).toFixed(2)} MB (${(gz / 1e6).toFixed(2)} MB gzip) in ${js.length} files: ${js.map((f) => `${f.file} ${(f.bytes / 1e3).toFixed(0)} kB`).join(", ")}`);
    console.log(`  plus snarkjs.min.js for the worker ${(snark.length / 1e3).toFixed(0)} kB (${(gzipSync(snark).length / 1e3).toFixed(0)} kB gzip), keys: wasm ${(readFileSync(c.wasmPath).length / 1e6).toFixed(2)} MB, zkey ${(readFileSync(c.zkeyPath).length / 1e6).toFixed(2)} MB`);
  } finally {
    await prover.close();
    provider.destroy();
    await browser.close();
    await web?.close();
    await node.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(`bench:web: ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
});
