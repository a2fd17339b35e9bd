import * as z from "zod/mini";

/**
 * The raw COS trigger event as SCF delivers it (REFERENCE §1). Objects are loose: fields this schema does not
 * name are kept as they are. Checks that need more than a type (the key prefix, the region code, the time)
 * happen in `parseCosEvent`, which reports them with the same paths.
 */
const nonNegativeInteger = { error: "expected a non-negative integer" };
const count = z.union(
  [
    z.number(nonNegativeInteger).check(z.int(nonNegativeInteger), z.nonnegative(nonNegativeInteger)),
    z.string().check(z.regex(/^\d+$/, nonNegativeInteger)),
  ],
  nonNegativeInteger,
);
const numericAppId = { error: "expected the numeric APPID" };

export const CosObjectSchema = z.looseObject({
  url: z.optional(z.string()),
  meta: z.optional(z.record(z.string(), z.unknown())),
  vid: z.optional(z.nullable(z.string())),
  key: z.string(),
  size: z.optional(count),
});

export const CosBucketSchema = z.looseObject({
  region: z.optional(z.string()),
  cosRegion: z.optional(z.string()),
  s3Region: z.optional(z.string()),
  name: z.string().check(z.minLength(1, { error: "expected a bucket name" })),
  appid: z.union(
    [
      z.string().check(z.regex(/^\d+$/, numericAppId)),
      z.number().check(z.int(numericAppId), z.nonnegative(numericAppId)),
    ],
    numericAppId,
  ),
});

export const CosEventRecordSchema = z.looseObject({
  cos: z.looseObject({
    cosSchemaVersion: z.optional(z.string()),
    cosObject: CosObjectSchema,
    cosBucket: CosBucketSchema,
    cosNotificationId: z.optional(z.string()),
  }),
  event: z.looseObject({
    eventName: z.string(),
    eventVersion: z.optional(z.string()),
    eventTime: z.union([z.number(), z.string()], {
      error: "expected Unix seconds or an ISO 8601 time",
    }),
    eventSource: z.optional(z.string()),
    requestParameters: z.optional(
      z.looseObject({
        requestSourceIP: z.optional(z.string()),
        requestHeaders: z.optional(z.record(z.string(), z.unknown())),
      }),
    ),
    eventQueue: z.optional(z.string()),
    reservedInfo: z.optional(z.string()),
    reqid: z.optional(z.union([z.number(), z.string()])),
  }),
});

export const CosEventSchema = z.looseObject({
  Records: z.array(CosEventRecordSchema).check(z.minLength(1, { error: "expected at least one record" })),
});

export type RawCosEvent = z.infer<typeof CosEventSchema>;
export type RawCosEventRecord = z.infer<typeof CosEventRecordSchema>;
