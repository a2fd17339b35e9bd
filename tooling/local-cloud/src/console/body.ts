import type { IncomingMessage } from "node:http";
import { PermanentError } from "@cosfn/errors";

/** At most this many bytes in a JSON request body. */
export const MAX_JSON_BYTES = 64 * 1024;

/** A request body that cannot be used: its status and code are what the console answers. */
export class BodyError extends PermanentError {
  override readonly name: string = "BodyError";
  constructor(
    readonly status: number,
    code: string,
    message: string,
  ) {
    super(code, message);
  }
}

/** Reads a JSON request body (at most `MAX_JSON_BYTES`); an empty body is `undefined`. */
export async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_JSON_BYTES)
      throw new BodyError(413, "BodyTooLarge", `the JSON body is larger than ${MAX_JSON_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new BodyError(400, "BadRequest", `the body is not valid JSON: ${(error as Error).message}`);
  }
}
