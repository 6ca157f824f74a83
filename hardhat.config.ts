import { createRequire } from "node:module";
import hardhatToolboxMochaEthers from "@nomicfoundation/hardhat-toolbox-mocha-ethers";
import { configVariable, defineConfig } from "hardhat/config";

// No compiler is downloaded: Solidity is compiled by the npm `solc` package (soljson).
const require = createRequire(import.meta.url);
const SOLJSON = require.resolve("solc/soljson.js");

/**
 * One compiler configuration for every build profile. Hardhat builds with the "default" profile, but
 * Ignition (`ignition deploy`) and `hardhat build --build-profile production` use "production"; a
 * profile Hardhat generates from a single-version config copies only the version and path, so it lost
 * `viaIR` and the optimizer, and `ignition deploy` failed with "Stack too deep". Both profiles are given
 * here with the same settings: what the tests measure is what gets deployed.
 *
 * viaIR with 2,000 optimizer runs: the account-update path runs on every proof; every deployed contract
 * stays at least 30% under the 24,576-byte limit at these settings (`npm run bench` prints the sizes).
 * Exported for scripts that compile outside Hardhat (scripts/benchInsolvencyHashed.ts).
 */
export const COMPILER = {
  version: "0.8.28",
  path: SOLJSON,
  settings: {
    optimizer: { enabled: true, runs: 2000 },
    evmVersion: "cancun",
    viaIR: true,
  },
};

export default defineConfig({
  plugins: [hardhatToolboxMochaEthers],
  solidity: {
    profiles: {
      default: COMPILER,
      production: COMPILER,
    },
  },
  paths: {
    sources: "./contracts",
    tests: { mocha: "./test" },
  },
  test: {
    mocha: { timeout: 600_000 },
  },
  networks: {
    // Any EVM chain: PLIMSOLL_RPC_URL and PLIMSOLL_DEPLOYER_KEY are read only when this network is used
    // (`npx hardhat ignition deploy ignition/modules/Plimsoll.ts --network target --parameters ...`).
    target: {
      type: "http",
      chainType: "l1",
      url: configVariable("PLIMSOLL_RPC_URL"),
      accounts: [configVariable("PLIMSOLL_DEPLOYER_KEY")],
    },
  },
});
