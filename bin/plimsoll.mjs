#!/usr/bin/env node
// Launcher for the TypeScript CLI (cli/index.ts) through tsx's loader.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../cli/index.ts");
process.exit(await main(process.argv.slice(2)));
