// `npm pack` / `npm publish` (the "prepack" script): compiles the CLI and the library to dist/ with
// tsconfig.build.json and copies the prover's child-process script and the warm prover it loads (plain
// JavaScript, which tsc does not emit) beside its compiled module.
import { execFileSync } from "node:child_process";
import { copyFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
rmSync(path.join(root, "dist"), { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
try {
  execFileSync(process.execPath, [tsc, "-p", path.join(root, "tsconfig.build.json")], { cwd: root, stdio: "inherit" });
} catch {
  console.error("prepack: tsc -p tsconfig.build.json failed (errors above)");
  process.exit(1);
}
for (const file of ["proveWorker.mjs", "groth16Warm.mjs"]) {
  copyFileSync(path.join(root, "prover/src", file), path.join(root, "dist/prover/src", file));
}
