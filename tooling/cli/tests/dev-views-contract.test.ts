import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { consoleView as cdnPurgeView } from "../../../functions/cdn-purge/src/console-view.ts";
import { consoleView as dbSyncView } from "../../../functions/db-sync/src/console-view.ts";
import { consoleView as imageRecognitionView } from "../../../functions/image-recognition/src/console-view.ts";
import { projectFunctions } from "../src/dev/console.ts";
import { type ConsoleViewModule, viewModulePath } from "../src/dev/view-module.ts";

const root = fileURLToPath(new URL("../../../", import.meta.url));

/** The functions' console views fit the contract `cosfn dev` loads them by (checked by tsc as well as here). */
const views: Record<string, ConsoleViewModule["consoleView"]> = {
  "cdn-purge": cdnPurgeView,
  "db-sync": dbSyncView,
  "image-recognition": imageRecognitionView,
};

describe("the functions' console views", () => {
  it("are the view modules cosfn dev finds, one per function that has src/console-view.ts", () => {
    const found = projectFunctions(root).filter((name) => viewModulePath(root, name) !== undefined);
    expect(found).toEqual(Object.keys(views).sort());
  });

  it("are never imported by a function's own code: they stay out of the deployed bundle", () => {
    for (const name of Object.keys(views)) {
      const src = join(root, "functions", name, "src");
      const importers = readdirSync(src, { recursive: true, encoding: "utf8" })
        .filter((file) => file.endsWith(".ts") && file !== "console-view.ts")
        .filter((file) => /from\s+["'][^"']*console-view(\.ts)?["']/.test(readFileSync(join(src, file), "utf8")));
      expect(importers, name).toEqual([]);
    }
  });
});
