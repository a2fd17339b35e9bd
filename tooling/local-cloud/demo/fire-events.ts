import COS from "cos-nodejs-sdk-v5";
import { postObjectForm } from "../src/post-form.ts";

/** The demo's buckets (dev/demo.json): versioned with origin and replication rules, the origin, the replica. */
export const DEMO = {
  region: "ap-guangzhou",
  bucket: "eventdemo-1250000000",
  replica: "eventreplica-1250000000",
  replicaRegion: "ap-shanghai",
  origin: "originsource-1250000000",
} as const;

/** What `fireEveryEvent` did: each step, the event it makes, and the key. */
export interface FiredStep {
  event: string;
  bucket: string;
  key: string;
  how: string;
}

/** The real SDK, aimed at a local cloud's endpoint (`http://127.0.0.1:<port>`). */
export function demoClient(endpoint: string, credentials: { secretId: string; secretKey: string }): COS {
  return new COS({
    SecretId: credentials.secretId,
    SecretKey: credentials.secretKey,
    Protocol: "http:",
    Domain: "{Bucket}.cos.{Region}.myqcloud.com",
    Ip: new URL(endpoint).host,
    AutoSwitchHost: false,
  } as COS.COSOptions);
}

/**
 * Makes every COS event type happen once on the demo's buckets, through the real SDK (POST Object, a browser
 * form the Node.js SDK does not send, as a signed form): Put, Post, Copy, CompleteMultipartUpload, Origin (a GET
 * of a missing key under `mirror/`, pulled from the public-read origin bucket), Replication (a put under
 * `replicated/`, copied to the replica in ap-shanghai a moment later), DeleteMarkerCreated (a delete on the
 * versioned bucket), Delete (a delete naming a version), ObjectRestore Post (a restore of an ARCHIVE object) and
 * Completed (when the Expedited tier's delay has passed). The Replication and Restore Completed events come
 * after this resolves.
 */
export async function fireEveryEvent(
  cos: COS,
  endpoint: string,
  credentials: { secretId: string; secretKey: string },
): Promise<FiredStep[]> {
  const at = { Bucket: DEMO.bucket, Region: DEMO.region };
  const steps: FiredStep[] = [];
  const step = (event: string, key: string, how: string, bucket: string = DEMO.bucket) =>
    steps.push({ event, bucket, key, how });

  const put = await cos.putObject({ ...at, Key: "events/put.txt", Body: "put through the SDK\n" });
  step("cos:ObjectCreated:Put", "events/put.txt", "putObject");

  await postObject(endpoint, credentials, "events/post.txt", Buffer.from("a browser-form upload\n"));
  step("cos:ObjectCreated:Post", "events/post.txt", "POST Object (signed form)");

  await cos.putObjectCopy({
    ...at,
    Key: "events/copy.txt",
    CopySource: `${DEMO.bucket}.cos.${DEMO.region}.myqcloud.com/events/put.txt`,
  });
  step("cos:ObjectCreated:Copy", "events/copy.txt", "putObjectCopy");

  const { UploadId } = await cos.multipartInit({ ...at, Key: "events/multipart.txt" });
  const part = await cos.multipartUpload({
    ...at,
    Key: "events/multipart.txt",
    UploadId,
    PartNumber: 1,
    Body: "one part\n",
  });
  await cos.multipartComplete({
    ...at,
    Key: "events/multipart.txt",
    UploadId,
    Parts: [{ PartNumber: 1, ETag: part.ETag }],
  });
  step("cos:ObjectCreated:CompleteMultipartUpload", "events/multipart.txt", "multipartInit/Upload/Complete");

  // Origin pull serves only a key that has never existed: forget the one an earlier run pulled (npm start keeps
  // its data), by deleting each of its versions and markers.
  const earlier = await cos.listObjectVersions({ ...at, Prefix: "mirror/welcome.txt" });
  for (const version of [...(earlier.Versions ?? []), ...(earlier.DeleteMarkers ?? [])]) {
    const { Key, VersionId } = version as { Key: string; VersionId: string };
    await cos.deleteObject({ ...at, Key, VersionId } as COS.DeleteObjectParams);
  }
  await cos.getObject({ ...at, Key: "mirror/welcome.txt" });
  step("cos:ObjectCreated:Origin", "mirror/welcome.txt", `getObject of a missing key, pulled from ${DEMO.origin}`);

  await cos.putObject({ ...at, Key: "replicated/hello.txt", Body: "replicated to ap-shanghai\n" });
  step("cos:ObjectCreated:Put", "replicated/hello.txt", "putObject under replicated/");
  step("cos:ObjectCreated:Replication", "replicated/hello.txt", "replication, shortly after", DEMO.replica);

  await cos.deleteObject({ ...at, Key: "events/copy.txt" });
  step("cos:ObjectRemove:DeleteMarkerCreated", "events/copy.txt", "deleteObject on the versioned bucket");

  // The SDK sends VersionId as ?versionId=; its typings leave it out.
  await cos.deleteObject({ ...at, Key: "events/put.txt", VersionId: put.VersionId } as COS.DeleteObjectParams);
  step("cos:ObjectRemove:Delete", "events/put.txt", `deleteObject of version ${put.VersionId}`);

  await cos.putObject({ ...at, Key: "archive/cold.txt", Body: "kept in ARCHIVE\n", StorageClass: "ARCHIVE" });
  step("cos:ObjectCreated:Put", "archive/cold.txt", "putObject with StorageClass ARCHIVE");
  await cos.restoreObject({
    ...at,
    Key: "archive/cold.txt",
    RestoreRequest: { Days: 1, CASJobParameters: { Tier: "Expedited" } },
  });
  step("cos:ObjectRestore:Post", "archive/cold.txt", "restoreObject, Expedited");
  step("cos:ObjectRestore:Completed", "archive/cold.txt", "the Expedited delay later");
  return steps;
}

/** POST Object (doc 436/14690): a form with a policy signed as q-sign says. */
async function postObject(
  endpoint: string,
  credentials: { secretId: string; secretKey: string },
  key: string,
  file: Buffer,
): Promise<void> {
  const { status } = await postObjectForm({
    endpoint,
    bucket: DEMO.bucket,
    region: DEMO.region,
    key,
    file,
    filename: "post.txt",
    credentials,
    fields: { "Content-Type": "text/plain" },
  });
  if (status !== 204) throw new Error(`POST Object of ${key} answered ${status}`);
}
