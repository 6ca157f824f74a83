#!/usr/bin/env node
// Launcher for the TypeScript CLI (prover/cli.ts) through tsx's loader.
import { register } from "tsx/esm/api";

register();
await import("../prover/cli.ts");
