import { createRequire } from "node:module";
import hardhatToolboxMochaEthers from "@nomicfoundation/hardhat-toolbox-mocha-ethers";
import { configVariable, defineConfig } from "hardhat/config";

// No compiler is downloaded: Solidity is compiled by the npm `solc` package (soljson).
const require = createRequire(import.meta.url);
const SOLJSON = require.resolve("solc/soljson.js");

export default defineConfig({
  plugins: [hardhatToolboxMochaEthers],
  solidity: {
    version: "0.8.28",
    path: SOLJSON,
    settings: {
      optimizer: { enabled: true, runs: 2000 },
      evmVersion: "cancun",
      viaIR: true,
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
