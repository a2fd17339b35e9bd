import { createHandler } from "@cosfn/runtime";
import { FUNCTION_NAME, imageRecognition } from "./handler.ts";

export { createCustomRecognizer } from "./providers/custom.ts";
export type { Recognizer } from "./providers/types.ts";
export type { Extensions } from "./resources.ts";
export type { ResultSink } from "./sink.ts";
export { FUNCTION_NAME, imageRecognition };

/** SCF's entry point: every uploaded image labelled, moderated, tagged and described in a sidecar. */
export const main_handler = createHandler(imageRecognition());
