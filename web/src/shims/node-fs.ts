/** Browser stand-in for `node:fs`: nothing exists, nothing can be read or written. */
const unavailable = (name: string) => (): never => {
  throw new Error(`fs.${name} is not available in the browser`);
};
export const existsSync = (): boolean => false;
export const readFileSync = unavailable("readFileSync");
export const writeFileSync = unavailable("writeFileSync");
export const mkdirSync = unavailable("mkdirSync");
export const readdirSync = unavailable("readdirSync");
export const renameSync = unavailable("renameSync");
export const openSync = unavailable("openSync");
export const closeSync = unavailable("closeSync");
export const fsyncSync = unavailable("fsyncSync");
export const unlinkSync = unavailable("unlinkSync");
export const rmSync = unavailable("rmSync");
export const statSync = unavailable("statSync");
export const writeSync = unavailable("writeSync");
export const chmodSync = unavailable("chmodSync");
export const linkSync = unavailable("linkSync");
export const appendFileSync = unavailable("appendFileSync");
export const copyFileSync = unavailable("copyFileSync");
export const lstatSync = unavailable("lstatSync");
export const readlinkSync = unavailable("readlinkSync");
export const symlinkSync = unavailable("symlinkSync");
export const ftruncateSync = unavailable("ftruncateSync");
export const constants = {};
export default { chmodSync, linkSync, appendFileSync, copyFileSync, lstatSync, readlinkSync, symlinkSync, ftruncateSync, existsSync, readFileSync, writeFileSync, mkdirSync, readdirSync, renameSync, openSync, closeSync, fsyncSync, unlinkSync, rmSync, statSync, writeSync, constants };
