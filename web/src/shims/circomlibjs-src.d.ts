declare module "*/circomlibjs/src/poseidon_wasm.js" {
  export function buildPoseidon(): Promise<unknown>;
}
declare module "*/circomlibjs/src/babyjub.js" {
  export default function buildBabyjub(): Promise<unknown>;
}
