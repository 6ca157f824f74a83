/** Browser stand-in for `node:path` (POSIX): enough for the library's path helpers, which the browser never uses for I/O. */
function normalize(p: string): string {
  const abs = p.startsWith("/");
  const out: string[] = [];
  for (const part of p.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (out.length > 0 && out[out.length - 1] !== "..") out.pop();
      else if (!abs) out.push("..");
    } else out.push(part);
  }
  const s = out.join("/");
  return abs ? `/${s}` : s === "" ? "." : s;
}
export const sep = "/";
export const join = (...parts: string[]): string => normalize(parts.filter((p) => p !== "").join("/"));
export const resolve = (...parts: string[]): string => {
  let acc = "";
  for (const p of parts) acc = p.startsWith("/") ? p : `${acc}/${p}`;
  return normalize(acc.startsWith("/") ? acc : `/${acc}`);
};
export const dirname = (p: string): string => {
  const n = normalize(p);
  const i = n.lastIndexOf("/");
  return i < 0 ? "." : i === 0 ? "/" : n.slice(0, i);
};
export const basename = (p: string): string => normalize(p).split("/").pop() ?? "";
export const isAbsolute = (p: string): boolean => p.startsWith("/");
export const relative = (_from: string, to: string): string => to;
export const extname = (p: string): string => {
  const b = basename(p);
  const i = b.lastIndexOf(".");
  return i <= 0 ? "" : b.slice(i);
};
const path = { sep, join, resolve, dirname, basename, isAbsolute, relative, extname, normalize };
export default path;
export { normalize };
