/**
 * `npm run web [-- options]`: builds the web app and serves it on http://127.0.0.1:5173/.
 *
 *   (no option)           starts a hardhat node on 127.0.0.1:8545 (or a free port), deploys the development
 *                         world with 'plimsoll deploy' and registers keeper 1; Ctrl-C stops everything
 *   --rpc URL             use a running node instead (with --deployment, or deploys the development world to it)
 *   --deployment FILE     an existing deployment file (default with --rpc: deploy a new world)
 *   --period DIR          a period folder of 'plimsoll reserves prove' whose public period.json the auditor page shows (repeatable)
 *   --keeper-state DIR    the keeper daemon's state folder ('keeper run --state DIR') for the keeper page
 *   --port N              the web server's port (default 5173)
 *   --no-build            serve the existing web/dist
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { buildWeb, deployDevWorld, freePort, ROOT, startHardhatNode, startWebServer, type LocalNode } from "./server.js";

const { values } = parseArgs({
  options: {
    rpc: { type: "string" },
    deployment: { type: "string" },
    period: { type: "string", multiple: true },
    "keeper-state": { type: "string" },
    port: { type: "string" },
    "no-build": { type: "boolean" },
    help: { type: "boolean", short: "h" },
  },
});

if (values.help) {
  console.log("Usage: npm run web -- [--rpc URL] [--deployment FILE] [--period DIR]... [--keeper-state DIR] [--port N] [--no-build]");
  process.exit(0);
}

let node: LocalNode | undefined;
async function main(): Promise<void> {
  if (!values["no-build"]) await buildWeb({ quiet: true });
  let rpc = values.rpc;
  let deployment = values.deployment;
  if (rpc === undefined && deployment !== undefined) {
    const { readDeployment } = await import("../cli/chain/deployment.js");
    rpc = readDeployment(deployment).rpc;
  }
  if (rpc === undefined) {
    let port = 8545;
    try {
      node = await startHardhatNode(port);
    } catch {
      port = await freePort();
      node = await startHardhatNode(port);
    }
    rpc = node.url;
    console.log(`hardhat node on ${rpc}`);
  }
  if (deployment === undefined) {
    const dir = path.join(ROOT, ".plimsoll", "web");
    mkdirSync(dir, { recursive: true });
    ({ deployment } = await deployDevWorld(rpc, dir, (m) => console.log(m)));
  }
  const web = await startWebServer({ rpc, deployment, port: Number(values.port ?? 5173), periods: values.period ?? [], ...(values["keeper-state"] === undefined ? {} : { keeperState: values["keeper-state"] }) });
  console.log(`Plimsoll web app on ${web.url} (trader #/trader, auditor #/auditor, oracle #/oracle, keeper #/keeper); node ${rpc}; deployment ${deployment}`);
  const stop = async (): Promise<void> => {
    await web.close();
    await node?.stop();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop());
  process.on("SIGTERM", () => void stop());
}

main().catch(async (err: unknown) => {
  console.error(`web: ${(err as Error).message}`);
  await node?.stop();
  process.exit(1);
});
