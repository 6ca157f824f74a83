/**
 * `plimsoll deploy --rpc URL [--out FILE] [--force]`: deploys the development world (mock tokens
 * USDC/WETH/WBTC and mock price sources, the oracle, the verifiers, the keeper registry, the engine
 * with its libraries, the perp market and its fund, the shielded pool, the reserve registry) to a running node, opens
 * the first oracle epoch, seeds the market's pool, and writes the deployment file every other chain
 * command reads.
 *
 * It reuses the deployment code of the tests and the demo (`scripts/lib/deploy.ts`) on the
 * compiled Hardhat artifacts, through a small stand-in for hardhat-ethers (`artifactEthers`).
 */
import { existsSync } from "node:fs";
import { Contract, ContractFactory, type InterfaceAbi, type JsonRpcProvider, type Signer } from "ethers";
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import { BATCH_SIZE, DEV_MARKETS, formatUnits, parseUnits, type TokenContract } from "../prover/src/index.js";
import { deployPlimsoll, type Deployment } from "../scripts/lib/deploy.js";
import { deployOptionsEngine, devOptionSeries } from "../scripts/lib/deployOptions.js";
import { poseidonArtifact } from "../scripts/lib/poseidonContracts.js";
import { CHAIN_HELP, CHAIN_OPTIONS, connectRpc, signerOf, type ChainFlags } from "./chain/connect.js";
import { contractArtifact, explainChainError } from "./chain/contracts.js";
import { DEFAULT_DEPLOYMENT, deploymentPath, writeDeployment, type DeploymentFile } from "./chain/deployment.js";
import { printJson, runGroup, type CommandGroup, type OptionValues } from "./command.js";
import { UsageError } from "./usage.js";

export const DEPLOY_SUMMARY = "  deploy           Deploy the development world to a node and write the deployment file";

export const DEPLOY_HELP = `Usage: plimsoll deploy --rpc <url> [--out <file>] [--options <file>] [--force] [--pool <USDC>] [--key <hex> | --account <n>] [--json]

Deploys the DEVELOPMENT world to a running node (e.g. 'npx hardhat node'): mintable mock tokens
USDC (6 decimals), WETH (18) and WBTC (8), three settable mock price sources each, the oracle, the
verifiers (development keys from 'npm run build'), the keeper registry, the margin engine with its
libraries, the perp market (ETH-PERP, BTC-PERP) and its insurance fund, the shielded note pool (bound
to the engine, which holds its tokens) with its verifiers, the sub-account factory ('plimsoll sub'),
and the reserve registry.
Then opens the first oracle epoch and seeds the market's pool. Writes every address, the tokens
(symbol, slot, decimals), the markets, the chain id and the deploy block to the deployment file
(atomically). Never deploy this to a real network: anyone can mint its tokens and set its prices.

  --rpc      JSON-RPC URL of the node (required)
  --out      deployment file to write (default ${DEFAULT_DEPLOYMENT}); an existing file is kept unless --force
  --options  also deploy an options engine beside the perp one (same oracle; an OptionsMarket with the
             series ETH-3000-C, ETH-3000-P and BTC-60000-C, 30 days; its own pool, seeded with --pool) and
             write its deployment file here (marketKind "options"; pass it as --deployment to trade options)
  --force    replace an existing deployment file
  --pool     USDC to mint and add to the perp market's pool (default 1000000; 0 for none)
${CHAIN_HELP.split("\n").filter((l) => /--key|--account/.test(l) || /^\s{15}/.test(l)).join("\n")}
  --json     print the deployment file on stdout`;

const DEPLOY_OPTIONS = {
  help: { type: "boolean", short: "h" },
  json: { type: "boolean" },
  out: { type: "string" },
  force: { type: "boolean" },
  pool: { type: "string" },
  options: { type: "string" },
  ...CHAIN_OPTIONS,
} as const;

type Options = OptionValues<typeof DEPLOY_OPTIONS>;

/** Links library addresses into a Hardhat artifact's bytecode. */
function linkBytecode(name: string, libraries: Record<string, string>): string {
  const art = contractArtifact(name);
  let code = art.bytecode;
  for (const refs of Object.values(art.linkReferences ?? {})) {
    for (const [lib, spots] of Object.entries(refs)) {
      const address = libraries[lib];
      if (address === undefined) throw new Error(`${name} needs library ${lib}`);
      for (const { start, length } of spots) code = code.slice(0, 2 + start * 2) + address.slice(2).toLowerCase().padStart(length * 2, "0") + code.slice(2 + (start + length) * 2);
    }
  }
  return code;
}

/**
 * The part of hardhat-ethers that scripts/lib/deploy.ts uses (getSigners, deployContract,
 * getContractAt, ContractFactory, provider), on Hardhat's artifacts and one signer.
 */
export function artifactEthers(signer: Signer, provider: JsonRpcProvider, onDeploy?: (name: string) => void): HardhatEthers {
  const deployContract = async (name: string, a?: unknown, b?: unknown): Promise<Contract> => {
    const args = Array.isArray(a) ? a : [];
    const opts = (Array.isArray(a) ? b : a) as { libraries?: Record<string, string> } | Signer | undefined;
    const by = opts !== undefined && typeof (opts as Signer).getAddress === "function" ? (opts as Signer) : signer;
    const libraries = (opts as { libraries?: Record<string, string> } | undefined)?.libraries ?? {};
    onDeploy?.(name);
    const factory = new ContractFactory(contractArtifact(name).abi, linkBytecode(name, libraries), by);
    const c = await factory.deploy(...args);
    await c.waitForDeployment();
    return c as unknown as Contract;
  };
  return {
    provider,
    ContractFactory,
    getSigners: async () => [signer],
    deployContract,
    getContractAt: async (name: string, address: string) => new Contract(address, contractArtifact(name).abi as InterfaceAbi, signer),
  } as unknown as HardhatEthers;
}

/** The development options engine beside `d`'s perp engine, its pool seeded with `pool` USDC. */
async function deployDevOptions(ethers: HardhatEthers, d: Deployment, signer: Signer, pool: bigint): Promise<{ contracts: Pick<DeploymentFile["contracts"], "engine" | "market" | "insuranceFund" | "keeperRegistry">; markets: DeploymentFile["markets"] }> {
  const block = await ethers.provider.getBlock("latest");
  const dev = devOptionSeries(BigInt(block!.timestamp));
  const { engine, market } = await deployOptionsEngine(ethers, d, { series: dev.map((x) => x.series) });
  if (pool > 0n) {
    const usdc = d.tokens[0]!.connect(signer) as TokenContract;
    await (await usdc.mint(await signer.getAddress(), pool)).wait();
    await (await usdc.approve(await market.getAddress(), pool)).wait();
    await (await (market.connect(signer) as typeof market).addLiquidity(pool)).wait();
  }
  return {
    contracts: { engine: await engine.getAddress(), market: await market.getAddress(), insuranceFund: String(await engine.insuranceFund()), keeperRegistry: String(await engine.keeperRegistry()) },
    markets: dev.map((x, id) => ({ id, symbol: x.symbol, underlying: x.series.asset })),
  };
}

async function deploy(opts: Options): Promise<number> {
  if (opts.rpc === undefined) throw new UsageError("--rpc is required (e.g. http://127.0.0.1:8545 for 'npx hardhat node')");
  const out = opts.out ?? deploymentPath(undefined);
  const pool = parseUnits(opts.pool ?? "1000000", 6, "--pool");
  if (!opts.force && existsSync(out)) throw new UsageError(`--out ${out}: a deployment file already exists (pass --force to replace it)`);
  if (opts.options !== undefined && !opts.force && existsSync(opts.options)) throw new UsageError(`--options ${opts.options}: a deployment file already exists (pass --force to replace it)`);
  if (opts.options !== undefined && opts.options === out) throw new UsageError("--options: must name another file than --out");
  contractArtifact("MarginEngine"); // a missing build is one clear error before any transaction
  const { provider, chainId } = await connectRpc(opts.rpc);
  try {
    const signer = await signerOf(opts as ChainFlags, provider, chainId);
    const deployer = await signer.getAddress();
    const deployBlock = (await provider.getBlockNumber()) + 1;
    const log = (msg: string): void => { if (!opts.json) process.stderr.write(`${msg}\n`); };
    log(`deploying the development world to chain ${chainId} from ${deployer}...`);
    let count = 0;
    const ethers = artifactEthers(signer, provider, () => { count++; });
    let d;
    try {
      d = await deployPlimsoll(ethers, {});
      const p2 = poseidonArtifact(2);
      const poseidon2 = await new ContractFactory(p2.abi as InterfaceAbi, p2.bytecode, signer).deploy();
      await poseidon2.waitForDeployment();
      const batchVerifier = await ethers.deployContract("ReservesBatchVerifier");
      const finalizeVerifier = await ethers.deployContract("ReservesFinalizeVerifier");
      const reserveRegistry = await ethers.deployContract("ReserveRegistry", [
        await d.oracle.getAddress(), await poseidon2.getAddress(), await d.poseidon4.getAddress(), await batchVerifier.getAddress(), await finalizeVerifier.getAddress(), BATCH_SIZE,
      ]);
      log(`${count + 3} contracts deployed; opening the first oracle epoch...`);
      await (await d.oracle.poke()).wait();
      if (pool > 0n) {
        const usdc = d.tokens[0]!.connect(signer) as TokenContract;
        await (await usdc.mint(deployer, pool)).wait();
        await (await usdc.approve(await d.market.getAddress(), pool)).wait();
        await (await (d.market.connect(signer) as typeof d.market).addLiquidity(pool)).wait();
        log(`pool seeded with ${formatUnits(pool, 6)} USDC`);
      }
      const file: DeploymentFile = {
        version: 1,
        development: true,
        chainId: chainId.toString(),
        deployBlock,
        rpc: opts.rpc,
        gridSeconds: 3600,
        contracts: {
          engine: await d.engine.getAddress(),
          oracle: await d.oracle.getAddress(),
          market: await d.market.getAddress(),
          insuranceFund: await d.insuranceFund.getAddress(),
          keeperRegistry: await d.keeperRegistry.getAddress(),
          reserveRegistry: await reserveRegistry.getAddress(),
          accountUpdateVerifier: await d.verifier.getAddress(),
          insolvencyVerifier: await d.insolvencyVerifier.getAddress(),
          poseidon3: await d.poseidon3.getAddress(),
          poseidon4: await d.poseidon4.getAddress(),
          shieldedPool: await d.shieldedPool.getAddress(),
          noteJoinSplitVerifier: d.noteVerifiers.joinSplit,
          noteBatchInsertVerifier: d.noteVerifiers.batchInsert,
          accountAbsorbVerifier: d.noteVerifiers.absorb,
          accountEmitVerifier: d.noteVerifiers.emit,
          poseidonT3: d.poseidonT3,
          subAccountFactory: await d.subAccountFactory.getAddress(),
        },
        tokens: d.assets.map((a) => ({ symbol: a.symbol, slot: a.slot, decimals: a.decimals, address: a.token! })),
        feeds: await Promise.all(d.feeds.map((row) => Promise.all(row.map((f) => f.getAddress())))),
        markets: DEV_MARKETS.map((m, id) => ({ id, symbol: m.symbol, underlying: m.underlying })),
      };
      writeDeployment(out, file, opts.force === true);
      if (opts.options !== undefined) {
        const o = await deployDevOptions(ethers, d, signer, pool);
        writeDeployment(opts.options, { ...file, contracts: { ...file.contracts, ...o.contracts }, markets: o.markets, marketKind: "options" }, opts.force === true);
        log(`options engine ${o.contracts.engine} (${o.markets.map((m) => m.symbol).join(", ")}) written to ${opts.options}`);
      }
      if (opts.json) printJson(file, 2);
      else console.log(`deployment written to ${out}: engine ${file.contracts.engine}, chain ${file.chainId}, from block ${deployBlock}`);
    } catch (err) {
      if (err instanceof UsageError) throw err;
      throw new Error(`deploy failed: ${explainChainError(err)}`);
    }
    return 0;
  } finally {
    provider.destroy();
  }
}

/** `plimsoll deploy` as a one-command group. */
export const deployGroup: CommandGroup<typeof DEPLOY_OPTIONS> = {
  prefix: "plimsoll deploy",
  commandPrefix: "",
  help: DEPLOY_HELP,
  options: DEPLOY_OPTIONS,
  commands: { deploy: { help: DEPLOY_HELP, run: deploy } },
  helpCommand: "plimsoll deploy --help",
};

/** Runs `plimsoll deploy ...` (argv includes the word `deploy`). */
export function runDeploy(argv: string[]): Promise<number> {
  return runGroup(deployGroup, argv);
}
