/**
 * The web app end to end, in headless Chromium (Debian's `chromium`, driven by playwright-core; no
 * browser download) against a local hardhat node with the development world deployed by
 * `plimsoll deploy`:
 *
 *   - the trader page proves a deposit in the browser (Web Worker, snarkjs) and the engine accepts it;
 *     the same deposit is proved in Node by the library's Prover in the same run (the figures);
 *   - a bad form input gets a message that names the field;
 *   - the auditor page shows a period published with the CLI as verified, with its proven totals;
 *   - a client's inclusion check passes for its real file and fails for a tampered one;
 *   - the oracle and keeper pages render; each page is screenshot;
 *   - a force-closed (frozen) account can only deposit and settle, and settles with a browser proof.
 *
 * PLIMSOLL_WEB_SCREENSHOTS=1 writes the screenshots to docs/screenshots/ (the README's).
 * Figures (bundle size, time until the trader page is ready with and without the keys cached,
 * browser and Node proving times) are printed and, with PLIMSOLL_WEB_FIGURES=<file>, written as JSON.
 *
 *   npx hardhat test mocha --no-compile test/web/app.test.ts
 */
import { expect } from "chai";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { Contract, JsonRpcProvider } from "ethers";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { artifacts, OpeningStore, Prover, Trader, type EngineContract, type OracleContract, type TokenContract } from "../../prover/src/index.js";
import { abiOf } from "../../cli/chain/contracts.js";
import { buildWeb, deployDevWorld, DIST_DIR, plimsoll, ROOT, startHardhatNode, startWebServer, type LocalNode, type WebServer } from "../../web/server.js";

const CHROMIUM = process.env.PLIMSOLL_CHROMIUM ?? "/usr/bin/chromium";
/** With PLIMSOLL_WEB_SCREENSHOTS=1 the screenshots replace the README's (docs/screenshots/); else they stay in the temporary folder. */
const README_SHOTS = join(ROOT, "docs", "screenshots");

describe("web app (headless Chromium)", function () {
  this.timeout(900_000);
  let node: LocalNode | undefined;
  let web: WebServer | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  let dir: string;
  let deployment: string;
  let periodDir: string;
  let rpc: string;
  const figures: Record<string, unknown> = {};
  let SHOTS: string;

  const cli = (...args: string[]): Promise<string> => plimsoll(dir, ...args, "--deployment", deployment, "--rpc", rpc);

  async function open(path: string): Promise<Page> {
    const page = await context!.newPage();
    page.on("pageerror", (e) => console.error(`    page error: ${e.message}`));
    await page.goto(`${web!.url}${path}`);
    return page;
  }

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      // Fails, never skips: .ci/run installs Chromium.
      throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (or PLIMSOLL_CHROMIUM=<path>)`);
    }
    dir = mkdtempSync(join(tmpdir(), "plimsoll-web-"));
    SHOTS = process.env.PLIMSOLL_WEB_SCREENSHOTS === "1" ? README_SHOTS : join(dir, "screenshots");
    const t0 = performance.now();
    const files = await buildWeb({ quiet: true });
    const js = files.filter((f) => f.file.endsWith(".js") || f.file.endsWith(".css") || f.file.endsWith(".html"));
    figures.bundle = {
      buildMs: Math.round(performance.now() - t0),
      totalBytes: js.reduce((a, f) => a + f.bytes, 0),
      gzipBytes: js.reduce((a, f) => a + gzipSync(readFileSync(join(DIST_DIR, f.file))).length, 0),
      files: Object.fromEntries(js.map((f) => [f.file, f.bytes])),
      snarkjsWorkerVendorBytes: readFileSync(join(ROOT, "node_modules", "snarkjs", "build", "snarkjs.min.js")).length,
      keyBytes: { wasm: readFileSync(artifacts.circuit("account_update").wasmPath).length, zkey: readFileSync(artifacts.circuit("account_update").zkeyPath).length },
    };
    node = await startHardhatNode();
    rpc = node.url;
    ({ deployment } = await deployDevWorld(rpc, dir));
    // A reserves period, proved and published with the CLI as the chain tests do (custodian: account 0).
    writeFileSync(join(dir, "clients.csv"), "id,USDC,USDC_debt,WETH,WETH_debt,WBTC,WBTC_debt\nalice,100,0,1,0,0,0\nbob,50,0,0,0,0.01,0\ncarol,20,5,0.5,0,0,0\n");
    periodDir = join(dir, "period");
    await cli("reserves", "prove", "--clients", join(dir, "clients.csv"), "--reserves", "USDC=200,WETH=1.8,WBTC=0.01", "--out", periodDir, "--weights", "chain", "--workers", "1");
    await cli("reserves", "publish", "--dir", periodDir);
    await plimsoll(dir, "reserves", "include", "--dir", periodDir, "--id", "alice");
    web = await startWebServer({ rpc, deployment, periods: [periodDir], keeperState: join(dir, "keeper-state") });
    const { chromium } = await import("playwright-core");
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    mkdirSync(SHOTS, { recursive: true });
  });

  after(async function () {
    if (Object.keys(figures).length > 0) {
      console.log(`    figures: ${JSON.stringify(figures, null, 2).replace(/\n/g, "\n    ")}`);
      if (process.env.PLIMSOLL_WEB_FIGURES) writeFileSync(process.env.PLIMSOLL_WEB_FIGURES, JSON.stringify(figures, null, 2));
    }
    await browser?.close();
    await web?.close();
    await node?.stop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it("trader: proves a deposit in the browser and the engine accepts it; Node proves the same action", async function () {
    const page = await open("#/trader?account=1");
    await page.waitForSelector("body[data-trader-ready='1']", { timeout: 120_000 });
    const cold = (await page.evaluate(() => (window as unknown as { __plimsoll: Record<string, unknown> }).__plimsoll)) as { readyMs: number; keysCached: boolean; keysLoadMs: number };
    expect(cold.keysCached).to.equal(false);

    await page.click("#mint-form button");
    await page.waitForSelector("body[data-action-done='1']");
    expect(await page.locator("#result").innerText()).to.include("minted 10000 USDC");

    await page.fill("input[name=depositAmount]", "5000");
    await page.click("#deposit-form button");
    await page.waitForSelector("#progress", { timeout: 60_000 }); // the progress line while it proves
    await page.waitForSelector("body[data-action-done='1']", { timeout: 300_000 });
    const text = await page.locator("#result").innerText();
    expect(text, text).to.match(/^deposit accepted at epoch \d+/);
    const last = (await page.evaluate(() => (window as unknown as { __plimsoll: { lastAction: Record<string, unknown> } }).__plimsoll.lastAction)) as { witnessMs: number; proveMs: number; txHash: string; totalMs: number };

    // On-chain: the transaction succeeded, and the engine holds the commitment the browser computed.
    const provider = new JsonRpcProvider(rpc, undefined, { staticNetwork: true });
    const receipt = await provider.getTransactionReceipt(last.txHash);
    expect(receipt?.status).to.equal(1);
    const d = JSON.parse(readFileSync(deployment, "utf8")) as { contracts: { engine: string; oracle: string }; tokens: { address: string }[] };
    const owner = await (await provider.getSigner(1)).getAddress();
    const engine = new Contract(d.contracts.engine, abiOf("MarginEngine"), provider) as unknown as EngineContract;
    const stored = await page.evaluate((suffix) => {
      for (let i = 0; i < localStorage.length; i++) {
        const k = localStorage.key(i)!;
        if (k.startsWith("plimsoll.opening/") && k.endsWith(suffix)) return localStorage.getItem(k);
      }
      return null;
    }, `/31337/${d.contracts.engine.toLowerCase()}/${owner.toLowerCase()}.json`);
    expect(stored, "the opening is kept in localStorage").to.be.a("string");
    const file = JSON.parse(stored!) as { confirmed: { commitment: string; amounts: string[] }; pending?: unknown };
    expect(file.pending).to.equal(undefined);
    expect(BigInt(await engine.commitmentOf(owner))).to.equal(BigInt(file.confirmed.commitment));
    expect(file.confirmed.amounts[0]).to.equal("5000000000");
    expect(await page.locator("#basket tr[data-asset=USDC] .basket-amount").innerText()).to.equal("5000");

    // The exported file is the CLI's opening file: the library's OpeningStore loads it against the chain.
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#export")]);
    const exported = join(dir, "exported.json");
    await download.saveAs(exported);
    const storeDir = join(dir, "openings");
    const fileStore = new OpeningStore(storeDir);
    const key = { chainId: 31337n, engine: d.contracts.engine, owner };
    mkdirSync(join(fileStore.pathOf(key), ".."), { recursive: true });
    writeFileSync(fileStore.pathOf(key), readFileSync(exported));
    expect(fileStore.load(key, BigInt(await engine.commitmentOf(owner)))?.amounts[0]).to.equal(5_000_000_000n);

    // The same action in Node, same run: the library's Trader and Prover (a child process), account 2.
    const signer = await provider.getSigner(2);
    const usdc = new Contract(d.tokens[0]!.address, abiOf("MockERC20"), signer) as unknown as TokenContract;
    await (await usdc.mint(await signer.getAddress(), 5_000_000_000n)).wait();
    await (await usdc.approve(d.contracts.engine, 5_000_000_000n)).wait();
    const registry = new Contract(await engine.keeperRegistry(), abiOf("KeeperRegistry"), provider);
    const [x, y] = (await registry.getFunction("keyOf")(1n)) as [bigint, bigint];
    const prover = new Prover();
    try {
      const trader = await Trader.load({
        engine: engine.connect(signer) as EngineContract,
        oracle: new Contract(d.contracts.oracle, abiOf("PlimsollOracle"), signer) as unknown as OracleContract,
        signer,
        prover,
        artifacts: artifacts.circuit("account_update"),
        store: new OpeningStore(join(dir, "node-openings")),
        keeper: { keeperId: 1n, key: [BigInt(x), BigInt(y)] },
      });
      // Two deposits: the first in a fresh prover process (as the browser's first proof in a fresh worker), the second warm.
      const r = await trader.deposit(0, 2_500_000_000n);
      const r2 = await trader.deposit(0, 2_500_000_000n);
      const ms = (x: { witnessMs: number; proveMs: number }) => ({ witnessMs: Math.round(x.witnessMs), proveMs: Math.round(x.proveMs), totalMs: Math.round(x.witnessMs + x.proveMs) });
      figures.proving = { browserFirst: ms(last), nodeFirst: ms(r), nodeWarm: ms(r2), browserFirstActionMs: Math.round(last.totalMs) };
    } finally {
      await prover.close();
    }
    // The CLI's (the library's) opening file of account 2 imports into the browser, which then shows its basket.
    const imported = await open("#/trader?account=2");
    await imported.waitForSelector("#load-error", { timeout: 60_000 });
    expect(await imported.locator("#load-error").innerText()).to.include("the account is not empty");
    const nodeFile = new OpeningStore(join(dir, "node-openings")).pathOf({ chainId: 31337n, engine: d.contracts.engine, owner: await signer.getAddress() });
    await imported.setInputFiles("#import", nodeFile);
    await imported.waitForSelector("#basket tr[data-asset=USDC] .basket-amount", { timeout: 60_000 });
    expect(await imported.locator("#basket tr[data-asset=USDC] .basket-amount").innerText()).to.equal("5000");
    await imported.close();
    provider.destroy();

    // Reload in the same browser context: the keys come from the Cache API this time.
    const again = await open("#/trader?account=1");
    await again.waitForSelector("body[data-trader-ready='1']", { timeout: 120_000 });
    const warm = (await again.evaluate(() => (window as unknown as { __plimsoll: Record<string, unknown> }).__plimsoll)) as { readyMs: number; keysCached: boolean; keysLoadMs: number };
    expect(warm.keysCached).to.equal(true);
    figures.traderReady = { notCachedMs: Math.round(cold.readyMs), notCachedKeysMs: Math.round(cold.keysLoadMs), cachedMs: Math.round(warm.readyMs), cachedKeysMs: Math.round(warm.keysLoadMs) };
    await again.close();
    await page.close();
  });

  it("trader: trades, renews and withdraws through an injected EIP-1193 wallet", async function () {
    const provider = new JsonRpcProvider(rpc, undefined, { staticNetwork: true });
    const owner = await (await provider.getSigner(1)).getAddress();
    provider.destroy();
    const page = await context!.newPage();
    page.on("pageerror", (e) => console.error(`    page error: ${e.message}`));
    // A minimal injected wallet: account 1 of the node, every other request through the page's /rpc.
    await page.addInitScript((address: string) => {
      const w = window as unknown as { ethereum: unknown; __walletCalls: string[] };
      w.__walletCalls = [];
      w.ethereum = {
        async request({ method, params }: { method: string; params?: unknown[] }) {
          w.__walletCalls.push(method);
          if (method === "eth_requestAccounts" || method === "eth_accounts") return [address];
          const r = await fetch("./rpc", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params: params ?? [] }) });
          const j = (await r.json()) as { result?: unknown; error?: { code: number; message: string; data?: unknown } };
          if (j.error) throw Object.assign(new Error(j.error.message), { code: j.error.code, data: j.error.data });
          return j.result;
        },
        on() {},
        removeListener() {},
      };
    }, owner);
    await page.goto(`${web!.url}#/trader?account=5`);
    await page.waitForSelector("body[data-trader-ready='1']", { timeout: 120_000 });
    await page.selectOption("#wallet", "injected");
    await page.waitForFunction((a) => document.querySelector("#owner")?.textContent === a, owner, { timeout: 60_000 });

    await page.selectOption("select[name=market]", "ETH-PERP");
    await page.fill("input[name=size]", "0.5");
    await page.click("#trade-form button");
    await page.waitForSelector("body[data-action-done='1']", { timeout: 300_000 });
    expect(await page.locator("#result").innerText()).to.match(/^trade accepted at epoch \d+/);
    const warmProofs: { witnessMs: number; proveMs: number }[] = [];
    const lastAction = async (): Promise<void> => { warmProofs.push((await page.evaluate(() => (window as unknown as { __plimsoll: { lastAction: { witnessMs: number; proveMs: number } } }).__plimsoll.lastAction))); };
    await lastAction();
    expect(await page.locator("#positions").innerText()).to.match(/ETH-PERP\s+0\.5/);
    expect(await page.locator("#lease").innerText()).to.match(/^current: \d+ h \d+ min left/);

    await page.click("#renew-form button");
    await page.waitForSelector("body[data-action-done='1']", { timeout: 300_000 });
    expect(await page.locator("#result").innerText()).to.match(/^renewLease accepted/);
    await lastAction();

    await page.selectOption("select[name=withdrawAsset]", "USDC");
    await page.fill("input[name=withdrawAmount]", "100");
    await page.click("#withdraw-form button");
    await page.waitForSelector("body[data-action-done='1']", { timeout: 300_000 });
    expect(await page.locator("#result").innerText()).to.match(/^withdraw accepted/);
    await lastAction();
    // The trade's proof is this worker's first (the keys were cached, the curve is built per worker); renew and withdraw are warm.
    const round = (x: { witnessMs: number; proveMs: number }) => ({ witnessMs: Math.round(x.witnessMs), proveMs: Math.round(x.proveMs), totalMs: Math.round(x.witnessMs + x.proveMs) });
    figures.browserProofs = { trade: round(warmProofs[0]!), renewLease: round(warmProofs[1]!), withdraw: round(warmProofs[2]!) };
    expect(await page.locator("#basket tr[data-asset=USDC] .basket-amount").innerText()).to.equal("4900");
    const calls = await page.evaluate(() => (window as unknown as { __walletCalls: string[] }).__walletCalls);
    expect(calls.filter((m) => m === "eth_sendTransaction")).to.have.length(3);
    await page.screenshot({ path: join(SHOTS, "trader.png"), fullPage: true });
    await page.close();
  });

  it("trader: a bad form input gets a message that names the field", async function () {
    const page = await open("#/trader?account=3");
    await page.waitForSelector("body[data-trader-ready='1']", { timeout: 120_000 });
    await page.fill("input[name=depositAmount]", "12.5x");
    await page.click("#deposit-form button");
    const msg = page.locator("[data-error-for='Deposit amount']");
    await msg.waitFor();
    expect(await msg.innerText()).to.match(/^Deposit amount: .*not a decimal number/);
    await page.fill("input[name=depositAmount]", "1.1234567"); // USDC has 6 decimals
    await page.click("#deposit-form button");
    await page.waitForFunction(() => document.querySelector("[data-error-for='Deposit amount']")?.textContent?.includes("decimal places"));
    await page.fill("input[name=size]", "");
    await page.click("#trade-form button");
    expect(await page.locator("[data-error-for='Size']").innerText()).to.match(/^Size: is required/);
    await page.fill("input[name=withdrawAmount]", "10");
    await page.click("#withdraw-form button");
    await page.waitForSelector("[data-error-for='Withdraw amount']");
    expect(await page.locator("[data-error-for='Withdraw amount']").innerText()).to.include("the basket holds only 0 USDC");
    await page.setInputFiles("#import", { name: "opening.json", mimeType: "application/json", buffer: Buffer.from("{\"version\": 1, \"chainId\": \"1\"}") });
    await page.waitForSelector("[data-error-for='Opening file']");
    expect(await page.locator("[data-error-for='Opening file']").innerText()).to.match(/^opening file: chainId 1 is not this chain's 31337/);
    await page.close();
  });

  it("auditor: shows the published period as verified, with its proven totals and the coverage", async function () {
    const page = await open("#/auditor");
    await page.waitForFunction(() => document.querySelector("#period-status")?.textContent?.includes("verified on-chain"), null, { timeout: 60_000 });
    await page.waitForFunction(() => document.querySelector("#totals-status")?.textContent?.includes("proven"));
    expect(await page.locator("#batches").innerText()).to.match(/0\s+verified/);
    expect(await page.locator("#coverage").innerText()).to.match(/^\d+\.\d{4} \(lowest asset\)/);
    expect(await page.locator("#assets tr[data-asset=USDC]").innerText()).to.include("165"); // 100 + 50 + 20 - 5 net owed
    await page.close();
  });

  it("auditor: the inclusion check passes for the client's file and fails for a tampered one, in the browser", async function () {
    const page = await open("#/auditor");
    await page.waitForSelector("#inclusion-form");
    // Nothing given: both fields are named.
    await page.click("#inclusion-form button");
    expect(await page.locator("[data-error-for='Client id']").innerText()).to.match(/^Client id: is required/);
    expect(await page.locator("[data-error-for='Inclusion file']").innerText()).to.match(/^Inclusion file:/);

    const inclusionDir = join(periodDir, "inclusion");
    const name = readdirSync(inclusionDir).find((f) => f.endsWith(".json"))!;
    const real = readFileSync(join(inclusionDir, name), "utf8");
    await page.fill("input[name=clientId]", "alice");
    await page.setInputFiles("#inclusion-file", { name, mimeType: "application/json", buffer: Buffer.from(real) });
    await page.click("#inclusion-form button");
    await page.waitForSelector("#inclusion-result");
    expect(await page.locator("#inclusion-result").getAttribute("data-valid")).to.equal("true");
    expect(await page.locator("#inclusion-result").innerText()).to.match(/^INCLUDED: client "alice" is leaf \d of 3/);

    // Tampered: a larger USDC balance in the leaf.
    const doc = JSON.parse(real) as { assets: string[] };
    doc.assets[0] = (BigInt(doc.assets[0]!) + 1_000_000n).toString();
    await page.setInputFiles("#inclusion-file", { name: "tampered.json", mimeType: "application/json", buffer: Buffer.from(JSON.stringify(doc)) });
    await page.click("#inclusion-form button");
    await page.waitForFunction(() => document.querySelector("#inclusion-result")?.getAttribute("data-valid") === "false");
    expect(await page.locator("#inclusion-result").innerText()).to.match(/^NOT SHOWN: leaf is not the hash/);

    // The right file under another id.
    await page.fill("input[name=clientId]", "bob");
    await page.setInputFiles("#inclusion-file", { name, mimeType: "application/json", buffer: Buffer.from(real) });
    await page.click("#inclusion-form button");
    await page.waitForFunction(() => document.querySelector("#inclusion-result")?.textContent?.includes("not \"bob\""));

    // The screenshot shows the passing check.
    await page.fill("input[name=clientId]", "alice");
    await page.click("#inclusion-form button");
    await page.waitForFunction(() => document.querySelector("#inclusion-result")?.getAttribute("data-valid") === "true");
    await page.screenshot({ path: join(SHOTS, "auditor.png"), fullPage: true });
    await page.close();
  });

  it("oracle: charts prices, haircuts and margin ratios over the recorded epochs", async function () {
    for (const price of ["2600", "2450", "2700"]) {
      await cli("dev", "advance", "--seconds", "3600", "--price", `WETH=${price}`);
      await cli("oracle", "poke");
    }
    const page = await open("#/oracle");
    await page.waitForSelector("#prices-chart canvas", { timeout: 60_000 });
    expect(await page.locator(".card h2").first().innerText()).to.match(/Oracle: [4-9] recorded epoch/);
    await page.waitForSelector("#risk tbody tr");
    expect(await page.locator("#risk").innerText()).to.include("WETH");
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(SHOTS, "oracle.png"), fullPage: true });
    await page.close();
  });

  it("keeper: shows the watched accounts' health at the current epoch and the daemon's log", async function () {
    const d = JSON.parse(readFileSync(deployment, "utf8")) as { deployBlock: number };
    await cli("keeper", "run", "--key", join(dir, "keeper-key.json"), "--keeper-id", "1", "--state", join(dir, "keeper-state"), "--from-block", String(d.deployBlock), "--once", "--account", "9");
    const page = await open("#/keeper");
    await page.waitForSelector("#watched", { timeout: 60_000 });
    const text = await page.locator("#watched").innerText();
    expect(text).to.include("$");
    expect(text).not.to.include("not decrypted");
    expect(await page.locator("#watched tbody tr").count()).to.be.at.least(2);
    await page.screenshot({ path: join(SHOTS, "keeper.png"), fullPage: true });
    await page.close();
  });

  it("trader: a force-closed account is frozen, can only deposit and settle, and settles in the browser", async function () {
    const provider = new JsonRpcProvider(rpc, undefined, { staticNetwork: true });
    const d = JSON.parse(readFileSync(deployment, "utf8")) as { contracts: { engine: string } };
    const owner = await (await provider.getSigner(4)).getAddress();
    const engine = new Contract(d.contracts.engine, abiOf("MarginEngine"), await provider.getSigner(8)) as unknown as EngineContract;
    const page = await open("#/trader?account=4");
    await page.waitForSelector("body[data-trader-ready='1']", { timeout: 120_000 });
    // The action's result line, or the message under the field it names.
    const submit = async (form: string): Promise<string> => {
      await page.click(`${form} button[type=submit]`);
      await page.waitForSelector("body[data-action-done='1']", { timeout: 300_000 });
      return (await page.locator("#result").count()) > 0 ? page.locator("#result").innerText() : page.locator(`${form} .error`).first().innerText();
    };
    const run = async (form: string): Promise<string> => {
      const text = await submit(form);
      if (/ failed: /.test(text)) throw new Error(text);
      return text;
    };
    expect(await run("#mint-form")).to.include("minted 10000 USDC");
    // The keeper test's daemon force-closed account 5 (its lease lapsed when the oracle test's moves
    // changed the regime) at a loss, drawn from keeper 1's bond: no new account may name keeper 1
    // until its bond is whole again, and the page says so before proving anything.
    await page.fill("input[name=depositAmount]", "2000");
    expect(await submit("#deposit-form")).to.include("keeper 1's bond was drawn for a shortfall of one of its accounts");
    // Keeper 1's operator in the dev world is the node's account 9: it pays what the bond lacks.
    await cli("dev", "mint", "--asset", "USDC", "--amount", "1000", "--account", "9");
    await cli("keeper", "topup", "--keeper-id", "1", "--account", "9");
    expect(await run("#deposit-form")).to.match(/^deposit accepted/);
    // ETH-PERP is cooling off after the oracle test's 10% move (no new risk there): the error says so.
    await page.selectOption("select[name=market]", "ETH-PERP");
    await page.fill("input[name=size]", "0.5");
    expect(await submit("#trade-form")).to.equal("trade failed: MarketHalted(0)");
    await page.selectOption("select[name=market]", "BTC-PERP");
    await page.fill("input[name=size]", "0.01");
    expect(await run("#trade-form")).to.match(/^trade accepted/);
    expect(await page.locator("#settle-form").count()).to.equal(0);

    // The owner goes offline past the lease and its grace, BTC falls 1%; anyone force-closes at a fresh
    // epoch, and the loss is the frozen account's debt.
    await cli("dev", "advance", "--seconds", "90100", "--price", "WBTC=59400");
    await cli("oracle", "poke");
    await (await engine.forceClose(owner)).wait();
    expect((await engine.accountOf(owner)).frozen).to.equal(true);
    const pending = BigInt((await engine.settlementOf(owner)).basketDelta);

    await page.reload();
    await page.waitForSelector("body[data-trader-ready='1']", { timeout: 120_000 });
    await page.waitForSelector("#settle-form");
    expect(pending).to.be.lessThan(0n);
    expect(await page.locator("#settlement").innerText()).to.match(/a debt of [0-9.]+ USDC leaves the basket's USDC slot/);
    for (const form of ["#trade-form", "#withdraw-form", "#renew-form"]) {
      expect(await page.locator(`${form} button[type=submit]`).isDisabled(), form).to.equal(true);
    }
    const before = await page.locator("#basket tr[data-asset=USDC] .basket-amount").innerText();
    expect(await run("#settle-form")).to.match(/^settle accepted at epoch \d+/);
    expect((await engine.accountOf(owner)).frozen).to.equal(false);
    expect(await page.locator("#settle-form").count()).to.equal(0);
    const after = await page.locator("#basket tr[data-asset=USDC] .basket-amount").innerText();
    expect(Math.round((Number(after) - Number(before)) * 1e6)).to.equal(Number(pending));
    provider.destroy();
    await page.close();
  });
});
