import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { storedContentType } from "../src/cos/content-type.ts";
import { type LocalCloud, startLocalCloud } from "../src/index.ts";
import { at, BUCKET, rawRequest, sdkFor } from "./sdk.ts";

let cloud: LocalCloud;
let cos: ReturnType<typeof sdkFor>;

beforeAll(async () => {
  cloud = await startLocalCloud({ buckets: [BUCKET] });
  cos = sdkFor(cloud);
});
afterAll(() => cloud.close());

// Doc 436/7749 makes Content-Type part of every PUT; an upload without one (or with an empty one) is stored with
// the type of the key's extension, and application/octet-stream for an extension it does not know, never an
// empty Content-Type (the behaviour issue 11 asks for; COS's table is not published).
describe("Content-Type of uploads without one", () => {
  it("a PUT with no Content-Type, or an empty one, stores the key's extension's type", async () => {
    const none = await rawRequest(cloud, { method: "PUT", key: "site/index.html", body: "<p>hi</p>" });
    expect(none.status).toBe(200);
    const empty = await rawRequest(cloud, {
      method: "PUT",
      key: "img/photo.JPG",
      body: "jpeg",
      headers: { "content-type": "" },
    });
    expect(empty.status).toBe(200);
    const unknown = await rawRequest(cloud, { method: "PUT", key: "data/blob.qqq", body: "?" });
    expect(unknown.status).toBe(200);
    const bare = await rawRequest(cloud, { method: "PUT", key: "README", body: "?" });
    expect(bare.status).toBe(200);
    const head = async (Key: string) => (await cos.headObject({ ...at, Key })).headers?.["content-type"];
    expect(await head("site/index.html")).toBe("text/html");
    expect(await head("img/photo.JPG")).toBe("image/jpeg");
    expect(await head("data/blob.qqq")).toBe("application/octet-stream");
    expect(await head("README")).toBe("application/octet-stream");
  });

  it("the SDK's string upload (which sends no Content-Type) and a given type are stored as COS stores them", async () => {
    await cos.putObject({ ...at, Key: "notes/a.json", Body: "{}" });
    await cos.putObject({ ...at, Key: "notes/b.json", Body: "{}", ContentType: "text/plain" });
    expect(cloud.store.head(BUCKET, "notes/a.json")?.contentType).toBe("application/json");
    expect(cloud.store.head(BUCKET, "notes/b.json")?.contentType).toBe("text/plain");
  });

  it("an initiated multipart upload with no Content-Type completes with the key's extension's type", async () => {
    cloud.store.minPartBytes = 1;
    const init = await rawRequest(cloud, { method: "POST", key: "archive/big.zip", query: [["uploads", ""]] });
    const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(init.body)?.[1] as string;
    const part = await cos.multipartUpload({
      ...at,
      Key: "archive/big.zip",
      UploadId: uploadId,
      PartNumber: 1,
      Body: "zip",
    });
    await cos.multipartComplete({
      ...at,
      Key: "archive/big.zip",
      UploadId: uploadId,
      Parts: [{ PartNumber: 1, ETag: part.ETag }],
    });
    expect(cloud.store.head(BUCKET, "archive/big.zip")?.contentType).toBe("application/zip");
    expect((await cos.getObject({ ...at, Key: "archive/big.zip" })).headers?.["content-type"]).toBe("application/zip");
  });

  it("the table: last extension of the last path segment, case-insensitive; dotfiles and folders have none", () => {
    expect(storedContentType(undefined, "a/b.tar.gz")).toBe("application/gzip");
    expect(storedContentType(undefined, "a.b/c")).toBe("application/octet-stream");
    expect(storedContentType(undefined, ".png")).toBe("application/octet-stream");
    expect(storedContentType(undefined, "dir/")).toBe("application/octet-stream");
    expect(storedContentType("  ", "x.PNG")).toBe("image/png");
    expect(storedContentType("image/webp", "x.png")).toBe("image/webp");
  });
});
