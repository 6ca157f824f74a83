/**
 * Vite configuration of the web app. The library (prover/src) is shared with Node: the few Node
 * built-ins its browser-used modules import at load time are aliased to small stand-ins in
 * src/shims/ (randomness and sha256 from Web Crypto and ethers, path helpers; file access throws),
 * and circomlibjs to its Poseidon and Baby Jubjub builders only.
 */
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  root: here("."),
  base: "./",
  publicDir: false,
  resolve: {
    alias: [
      { find: /^node:crypto$/, replacement: here("./src/shims/node-crypto.ts") },
      { find: /^node:fs$/, replacement: here("./src/shims/node-fs.ts") },
      { find: /^node:path$/, replacement: here("./src/shims/node-path.ts") },
      { find: /^node:url$/, replacement: here("./src/shims/node-url.ts") },
      { find: /^node:(child_process|worker_threads|os|stream|util|net|fs\/promises)$/, replacement: here("./src/shims/node-empty.ts") },
      { find: /^circomlibjs$/, replacement: here("./src/shims/circomlibjs.ts") },
    ],
  },
  define: { "process.env": "{}" },
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  worker: { format: "iife" },
  build: {
    outDir: here("./dist"),
    emptyOutDir: true,
    target: "es2022",
    chunkSizeWarningLimit: 4000,
    reportCompressedSize: true,
  },
});
