// The npm registry mirror this project is developed against serves only some of the platform-specific
// optional packages (biome, rollup and turbo binaries for macOS, Windows, musl...). `npm install` then leaves
// them out of package-lock.json, and `npm ci` refuses the lock file as out of sync. This restores the
// entries a complete registry would have written: version, optional, and the os/cpu/libc that make npm skip
// them on every other platform. Entries for this platform are never touched. Runs after `npm install`.
import { readFileSync, writeFileSync } from "node:fs";

const file = new URL("../package-lock.json", import.meta.url);
const lock = JSON.parse(readFileSync(file, "utf8"));
const packages = lock.packages;

const OS = {
  darwin: "darwin",
  win32: "win32",
  windows: "win32",
  linux: "linux",
  android: "android",
  freebsd: "freebsd",
  openbsd: "openbsd",
  openharmony: "openharmony",
  netbsd: "netbsd",
  sunos: "sunos",
  aix: "aix",
};
const CPU = {
  x64: "x64",
  64: "x64",
  arm64: "arm64",
  arm: "arm",
  ia32: "ia32",
  ppc64: "ppc64",
  riscv64: "riscv64",
  s390x: "s390x",
  loong64: "loong64",
  mips64el: "mips64el",
};

function platformOf(name) {
  const parts = name.split("/").pop().split("-");
  const os = parts.map((p) => OS[p]).find(Boolean);
  const cpu = parts.map((p) => CPU[p]).find(Boolean);
  if (!os || !cpu) return undefined;
  const libc = os !== "linux" ? undefined : parts.includes("musl") || parts.includes("musleabihf") ? "musl" : "glibc";
  return { os: [os], cpu: [cpu], ...(libc && { libc: [libc] }) };
}

function resolves(from, name) {
  // Node's lookup: node_modules/<name> beside `from`, then in each parent up to the root.
  let base = from;
  for (;;) {
    if (packages[`${base ? `${base}/` : ""}node_modules/${name}`]) return true;
    if (!base) return false;
    const at = base.lastIndexOf("node_modules/");
    base = at <= 0 ? "" : base.slice(0, at - 1);
  }
}

let added = 0;
for (const [location, entry] of Object.entries(packages)) {
  for (const [name, spec] of Object.entries(entry.optionalDependencies ?? {})) {
    if (resolves(location, name)) continue;
    const platform = platformOf(name);
    const version = /^\d+\.\d+\.\d+(?:[-+].*)?$/.test(spec) ? spec : undefined;
    if (!platform || !version) continue;
    packages[`node_modules/${name}`] = {
      version,
      ...(entry.dev && { dev: true }),
      optional: true,
      ...platform,
    };
    added++;
  }
}

if (added > 0) {
  lock.packages = Object.fromEntries(
    Object.entries(packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a < b ? -1 : a > b ? 1 : 0)),
  );
  writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
  console.log(`complete-lockfile: restored ${added} platform-specific optional entries in package-lock.json`);
}
