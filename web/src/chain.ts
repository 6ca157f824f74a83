/**
 * The page's view of the chain: the dev server's config (deployment file, ABIs, key URLs), a provider
 * through the server's same-origin JSON-RPC proxy, and a signer: an injected EIP-1193 wallet
 * (`window.ethereum`) or, on a development node, one of its unlocked accounts (eth_sendTransaction).
 */
import { BrowserProvider, Contract, Interface, JsonRpcProvider, type InterfaceAbi, type Provider, type Signer } from "ethers";
import { revertReason, type EngineContract, type KeeperRegistryContract, type OracleContract, type TokenContract } from "./lib.js";

export interface DeployedToken { symbol: string; slot: number; decimals: number; address: string }

/** The CLI's deployment file (cli/chain/deployment.ts), the fields the app reads. */
export interface Deployment {
  version: 1;
  development: boolean;
  chainId: string;
  deployBlock: number;
  gridSeconds: number;
  contracts: { engine: string; oracle: string; market: string; keeperRegistry: string; reserveRegistry: string | null; [k: string]: string | null | undefined };
  tokens: DeployedToken[];
  feeds: string[][];
  markets: { id: number; symbol: string; underlying: number }[];
}

/** What the dev server serves at /config.json. */
export interface AppConfig {
  deployment: Deployment;
  abis: Record<"MarginEngine" | "PlimsollOracle" | "KeeperRegistry" | "ReserveRegistry" | "MockERC20" | "PerpMarket", InterfaceAbi>;
  keys: Record<string, { wasm: string; zkey: string }>;
  snarkjs: string;
  /** Periods whose public period.json the server has: `${custodian lowercase}/${index}` to URL. */
  periods: Record<string, string>;
  /** The keeper daemon's state (keeper page), when the server was given one. */
  keeperState: string | null;
  /** The hash of the deployment's first block: tells one development chain from a restarted one. */
  worldId: string;
}

let config: Promise<AppConfig> | undefined;
/** Every custom error of the system (the server puts them all in the engine's ABI), for `explain`. */
let errors: Interface | undefined;
export function loadConfig(): Promise<AppConfig> {
  config ??= fetch("./config.json").then(async (r) => {
    if (!r.ok) throw new Error(`config.json: ${r.status}`);
    const cfg = (await r.json()) as AppConfig;
    errors = new Interface(cfg.abis.MarginEngine);
    return cfg;
  });
  return config;
}

let rpc: JsonRpcProvider | undefined;
/** The read provider: the dev server's /rpc proxy to the node. */
export function readProvider(cfg: AppConfig): JsonRpcProvider {
  if (rpc === undefined) {
    rpc = new JsonRpcProvider(new URL("./rpc", location.href).href, BigInt(cfg.deployment.chainId), { staticNetwork: true, batchMaxCount: 20 });
    rpc.pollingInterval = 250;
  }
  return rpc;
}

export type WalletChoice = { kind: "dev"; index: number } | { kind: "injected" };

/** The signer of a wallet choice. */
export async function signerOf(cfg: AppConfig, w: WalletChoice): Promise<Signer> {
  if (w.kind === "injected") {
    const eth = (window as unknown as { ethereum?: unknown }).ethereum;
    if (eth === undefined) throw new Error("wallet: no injected wallet (window.ethereum) in this browser");
    const p = new BrowserProvider(eth as never);
    const net = await p.getNetwork();
    if (net.chainId.toString() !== cfg.deployment.chainId) throw new Error(`wallet: the wallet is on chain ${net.chainId}, the deployment on ${cfg.deployment.chainId}`);
    p.pollingInterval = 1000;
    return p.getSigner();
  }
  if (!cfg.deployment.development) throw new Error("wallet: development accounts exist only on a development node");
  return readProvider(cfg).getSigner(w.index);
}

export function hasInjectedWallet(): boolean {
  return (window as unknown as { ethereum?: unknown }).ethereum !== undefined;
}

/** The deployment's contracts, connected to `runner`. */
export function contracts(cfg: AppConfig, runner: Signer | Provider) {
  const c = cfg.deployment.contracts;
  const at = (addr: string, abi: InterfaceAbi) => new Contract(addr, abi, runner);
  return {
    engine: at(c.engine, cfg.abis.MarginEngine) as unknown as EngineContract,
    oracle: at(c.oracle, cfg.abis.PlimsollOracle) as unknown as OracleContract,
    keeperRegistry: at(c.keeperRegistry, cfg.abis.KeeperRegistry) as unknown as KeeperRegistryContract,
    reserveRegistry: c.reserveRegistry === null ? undefined : at(c.reserveRegistry, cfg.abis.ReserveRegistry),
    token: (slot: number) => {
      const t = cfg.deployment.tokens.find((x) => x.slot === slot);
      if (t === undefined) throw new Error(`no token in slot ${slot}`);
      return at(t.address, cfg.abis.MockERC20) as unknown as TokenContract;
    },
  };
}

/** A revert's custom error with its arguments (from the revert data, whichever contract threw it), or the message. */
export function explain(err: unknown): string {
  return revertReason(err, errors);
}
