/** snarkjs, loaded on first use: the library's loader (prover/src/snarkjs.ts), for the build scripts. */
export { loadSnarkjs, terminateCurves, type SnarkjsModule } from "../../prover/src/index.js";
