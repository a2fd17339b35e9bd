import { createHash, createHmac } from "node:crypto";
import { request } from "node:http";
import type { Credentials } from "./cos/signature.ts";

/** A browser-form upload (POST Object, doc 436/14690): what to send and how to sign it. */
export interface PostObjectForm {
  /** The local cloud, `http://127.0.0.1:<port>`. */
  endpoint: string;
  bucket: string;
  region: string;
  key: string;
  file: Buffer;
  filename?: string;
  credentials: Credentials;
  /** The policy's conditions. Default: the bucket and the exact key. */
  conditions?: unknown[];
  /** The policy's expiry from now. Default 600 s. */
  expiresInSeconds?: number;
  /** Form fields after the signed ones (`Content-Type`, `x-cos-meta-*`, `x-cos-traffic-limit`, ...). */
  fields?: Record<string, string>;
}

/** What the form's POST was answered. */
export interface PostObjectAnswer {
  status: number;
  body: string;
  headers: Record<string, unknown>;
}

/**
 * Sends a POST Object form with its policy signed as q-sign says: the Node.js SDK has no POST Object, so the demo
 * and the tests send browsers' uploads with this.
 */
export function postObjectForm(form: PostObjectForm): Promise<PostObjectAnswer> {
  const now = Math.floor(Date.now() / 1000);
  const keyTime = `${now - 60};${now + 600}`;
  const policy = JSON.stringify({
    expiration: new Date(Date.now() + (form.expiresInSeconds ?? 600) * 1000).toISOString(),
    conditions: form.conditions ?? [{ bucket: form.bucket }, { key: form.key }],
  });
  const signKey = createHmac("sha1", form.credentials.secretKey).update(keyTime).digest("hex");
  const fields: Record<string, string> = {
    key: form.key,
    policy: Buffer.from(policy).toString("base64"),
    "q-sign-algorithm": "sha1",
    "q-ak": form.credentials.secretId,
    "q-key-time": keyTime,
    "q-signature": createHmac("sha1", signKey).update(createHash("sha1").update(policy).digest("hex")).digest("hex"),
    ...form.fields,
  };
  const boundary = "----cosfnFormBoundary7MA4YWxkTrZu0gW";
  const body = Buffer.concat([
    Buffer.from(
      Object.entries(fields)
        .map(([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`)
        .join(""),
    ),
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${form.filename ?? "file.bin"}"\r\n\r\n`,
    ),
    form.file,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  const url = new URL(form.endpoint);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method: "POST",
        path: "/",
        headers: {
          host: `${form.bucket}.cos.${form.region}.myqcloud.com`,
          "content-type": `multipart/form-data; boundary=${boundary}`,
          "content-length": body.length,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), headers: res.headers }),
        );
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}
