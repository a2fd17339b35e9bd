import { CosRequestError } from "@cosfn/cos";
import { describe, expect, it } from "vitest";
import { toCiError } from "../../src/providers/ci-request.ts";

/** A CosRequestError as @cosfn/cos makes it of a CI answer: the SDK's error, with the answer's headers, as cause. */
function answered(statusCode: number, errno?: string): CosRequestError {
  return new CosRequestError(
    { code: `HTTP${statusCode}`, message: "refused", statusCode },
    { operation: "process", bucket: "examplebucket-1250000000", key: "a.jpg" },
    { statusCode, headers: errno === undefined ? {} : { "x-errno": errno } },
  );
}

describe("CI errors", () => {
  it.each([
    ["-29214", 400, "CI_THROTTLED", true],
    ["-441", 400, "CI_BAD_FORMAT", false],
    ["-443", 400, "CI_BAD_FORMAT", false],
    ["-442", 400, "CI_TOO_LARGE", false],
    ["-447", 400, "CI_TOO_LARGE", false],
    ["-167", 400, "CI_TOO_LARGE", false],
    ["-6101", 404, "CI_OBJECT_MISSING", false],
    ["-40168", 400, "CI_EMPTY", false],
  ])("X-ErrNo %s is %s", (errno, status, code, retryable) => {
    const error = toCiError(answered(status, errno), "ci-process=detect-label on cos://b/a.jpg");
    expect(error).toMatchObject({ name: "CiError", code, retryable, errno, statusCode: status });
    expect((error as Error).message).toContain(`X-ErrNo ${errno}`);
  });

  it("without X-ErrNo: 429 and 503 are throttling, other 5xx transient, 403 names the CI binding, 404 missing", () => {
    expect(toCiError(answered(429), "w")).toMatchObject({ code: "CI_THROTTLED", transient: true });
    expect(toCiError(answered(503), "w")).toMatchObject({ code: "CI_THROTTLED", transient: true });
    expect(toCiError(answered(502), "w")).toMatchObject({ code: "CI_FAILED", transient: true });
    expect(toCiError(answered(400), "w")).toMatchObject({ code: "CI_FAILED", retryable: false });
    expect(toCiError(answered(404), "w")).toMatchObject({ code: "CI_OBJECT_MISSING", retryable: false });
    const denied = toCiError(answered(403), "w") as Error;
    expect(denied).toMatchObject({ code: "CI_ACCESS_DENIED", retryable: false });
    expect(denied.message).toContain("bound to Cloud Infinite");
  });

  it("passes anything that is not a COS request error through unchanged", () => {
    const bug = new TypeError("x");
    expect(toCiError(bug, "w")).toBe(bug);
  });
});
