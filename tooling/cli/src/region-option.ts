import { fullRegionName } from "@cosfn/events";
import { UsageError } from "./io.ts";

/** A --region value as a full COS region name (a short code like gz is accepted); anything else is refused. */
export function regionOption(text: string): string {
  const region = fullRegionName(text);
  if (!region) {
    throw new UsageError(`--region ${JSON.stringify(text)}: not a COS region (e.g. ap-guangzhou, or its code gz)`);
  }
  return region;
}
