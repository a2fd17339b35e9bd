import type { CosClient } from "@cosfn/cos";
import type { Config } from "./config.ts";
import type { ModerationDecision } from "./moderation-rules.ts";
import { outputKey, type Sidecar } from "./sidecar.ts";

export interface ModerationTarget {
  cos: CosClient;
  bucket: string;
  key: string;
  etag: string;
  config: Pick<Config, "reviewPrefix" | "quarantinePrefix">;
}

/**
 * The actions that leave the object where it is, taken before the sidecar is written: `review` copies the verdict
 * (the sidecar's content) to `<REVIEW_PREFIX><key>.json` for a person, `private` sets the object's ACL to
 * private. `tag` is done with the other tags. Returns what was done.
 */
export async function applyKeepingActions(
  decision: ModerationDecision,
  target: ModerationTarget,
  sidecar: Sidecar,
): Promise<string[]> {
  const { cos, bucket, key, config } = target;
  const done: string[] = [];
  if (decision.action === "tag") done.push("tag");
  if (decision.action === "review" || decision.downgradedFrom) {
    const reviewKey = outputKey(config.reviewPrefix, key, ".json");
    await cos.writeObject({
      bucket,
      key: reviewKey,
      body: `${JSON.stringify({ ...sidecar, review: { object: key, etag: target.etag, decision } }, null, 2)}\n`,
      contentType: "application/json; charset=utf-8",
    });
    done.push(`review:${reviewKey}`);
  }
  if (decision.action === "private") {
    await cos.setObjectAcl(bucket, key, "private");
    done.push("private");
  }
  return done;
}

/**
 * The actions that take the object away, taken after the sidecar is written: `move` copies it (only if it still
 * has the ETag that was judged) to `<QUARANTINE_PREFIX><key>` and deletes it; `delete` deletes it, unless it
 * changed meanwhile (then the new object's own event decides). Returns what was done.
 */
export async function applyRemovingActions(decision: ModerationDecision, target: ModerationTarget): Promise<string[]> {
  const { cos, bucket, key, etag, config } = target;
  if (decision.action === "move") {
    const quarantineKey = outputKey(config.quarantinePrefix, key, "");
    await cos.copyObject({ bucket, key }, { bucket, key: quarantineKey }, { ifMatch: etag });
    await cos.deleteObject(bucket, key);
    return [`move:${quarantineKey}`];
  }
  if (decision.action === "delete") {
    const now = await cos.head(bucket, key);
    if (now === null || now.etag !== etag) return ["delete skipped: the object changed after it was judged"];
    await cos.deleteObject(bucket, key);
    return ["delete"];
  }
  return [];
}

/** The action that the sidecar says was planned, for a sidecar written before a removing action runs. */
export function plannedRemoval(
  decision: ModerationDecision,
  target: Pick<ModerationTarget, "key" | "config">,
): string[] {
  if (decision.action === "move") return [`move:${outputKey(target.config.quarantinePrefix, target.key, "")}`];
  if (decision.action === "delete") return ["delete"];
  return [];
}
