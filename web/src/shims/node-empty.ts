/** Browser stand-in for Node built-ins the web bundle reaches but never calls (child_process, worker_threads, os, ...). */
const unavailable = (): never => {
  throw new Error("this Node.js API is not available in the browser");
};
export const fork = unavailable;
export const spawn = unavailable;
export const execFile = unavailable;
export const cpus = (): unknown[] => [];
export const hostname = (): string => "browser";
export const tmpdir = (): string => "/tmp";
export const availableParallelism = (): number => navigator.hardwareConcurrency || 1;
export default { fork, spawn, execFile, cpus, hostname, tmpdir, availableParallelism };
