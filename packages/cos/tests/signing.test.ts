import COS from "cos-nodejs-sdk-v5";
import { describe, expect, it } from "vitest";
import { CosSigner, camSafeUrlEncode, objectPath } from "../src/signing.ts";

const credentials = { secretId: "AKIDexampleSecretId000000000000000", secretKey: "exampleSecretKey0000000000000000" };

describe("CosSigner", () => {
  it("computes the Authorization cos-nodejs-sdk-v5 computes for the same request and key time", () => {
    // 1,700,000,250 s: the window starts at the last multiple of 300 s, a second back, and lasts 1,200 s.
    const signer = new CosSigner(credentials, () => 1_700_000_250_000);
    const keyTime = "1700000099;1700001299";
    const headers = {
      Host: "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com",
      "Content-Length": "12",
      "Content-Type": "text/plain; charset=utf-8",
      "Cache-Control": "max-age=60",
      "x-cos-meta-cosfn-archive": "in%2Fa%20b.zip",
      "x-cos-storage-class": "STANDARD_IA",
      // Not signed, by either.
      "User-Agent": "test",
    };
    for (const [key, query] of [
      ["plain/key.txt", {}],
      ["a b/中文(1)!*'.txt", {}],
      ["big.bin", { partNumber: "3", uploadId: "1700000000a1b2c3/+=" }],
    ] as const) {
      const ours = signer.authorization({ method: "PUT", path: `/${key}`, query, headers });
      const sdk = COS.getAuthorization({
        SecretId: credentials.secretId,
        SecretKey: credentials.secretKey,
        Method: "PUT",
        Key: key,
        Query: query,
        Headers: headers,
        KeyTime: keyTime,
      });
      expect(ours).toBe(sdk);
    }
  });

  it("starts a new key time window before the current one has less than 15 minutes left", () => {
    let now = 1_700_000_250_000;
    const signer = new CosSigner(credentials, () => now);
    const window = (auth: string) => /q-key-time=([^&]+)/.exec(auth)?.[1];
    const request = { method: "GET", path: "/k", query: {}, headers: { Host: "h" } };
    expect(window(signer.authorization(request))).toBe("1700000099;1700001299");
    now += 100_000; // 949 s left: the same window
    expect(window(signer.authorization(request))).toBe("1700000099;1700001299");
    now += 100_000; // 849 s left: a new one
    expect(window(signer.authorization(request))).toBe("1700000399;1700001599");
  });
});

describe("encoding", () => {
  it("encodes like the SDK: encodeURIComponent plus !'()*; paths keep their slashes", () => {
    expect(camSafeUrlEncode("a-b_c.d~e")).toBe("a-b_c.d~e");
    expect(camSafeUrlEncode("a b!'()*/é")).toBe("a%20b%21%27%28%29%2A%2F%C3%A9");
    expect(objectPath("dir/a b+c.txt")).toBe("/dir/a%20b%2Bc.txt");
  });
});
