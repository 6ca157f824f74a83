#!/usr/bin/env node
// The `plimsoll` command. In an installed package it runs the compiled JavaScript (dist/, made by
// `npm pack`'s prepack script); in a source checkout (cli/index.ts present) it runs the TypeScript
// through tsx's loader, so a stale dist/ never shadows the source.
import { existsSync } from "node:fs";

const source = new URL("../cli/index.ts", import.meta.url);
let main;
if (existsSync(source)) {
  const { register } = await import("tsx/esm/api");
  register();
  ({ main } = await import(source.href));
} else {
  ({ main } = await import("../dist/cli/index.js"));
}
process.exit(await main(process.argv.slice(2)));
