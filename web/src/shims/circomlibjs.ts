/**
 * The two circomlibjs builders the library uses (Poseidon and Baby Jubjub), without circomlibjs'
 * main entry, which also pulls in its ethers v5 contract generators. Vite aliases `circomlibjs` here.
 */
export { buildPoseidon } from "../../../node_modules/circomlibjs/src/poseidon_wasm.js";
export { default as buildBabyjub } from "../../../node_modules/circomlibjs/src/babyjub.js";
