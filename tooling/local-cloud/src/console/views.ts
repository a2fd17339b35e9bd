import type { ServerResponse } from "node:http";
import { sendError, sendJson, sendJsonText } from "./respond.ts";

/** One cell of a view's table: a value, or a link to an object (the console opens it), with its text. */
export type ConsoleViewCell =
  | string
  | number
  | boolean
  | null
  | { object: { bucket: string; key: string }; text?: string };

/** One table of a function's view. */
export interface ConsoleViewSection {
  title: string;
  note?: string;
  columns: string[];
  rows: ConsoleViewCell[][];
}

/** What a function's view shows now. */
export interface ConsoleViewData {
  sections: ConsoleViewSection[];
}

/** A function's own view in the console (db-sync's rows, cdn-purge's queue...), loaded when asked for. */
export interface ConsoleView {
  /** Its id in `/api/views/:id`. */
  id: string;
  functionName: string;
  title: string;
  load(): Promise<ConsoleViewData>;
}

/** `GET /api/views`: every view's id, function and title. */
export function listViews(res: ServerResponse, views: readonly ConsoleView[]): void {
  sendJson(res, 200, {
    views: views.map((view) => ({ id: view.id, functionName: view.functionName, title: view.title })),
  });
}

/** `GET /api/views/:id`: what the view's `load()` answers; 404 NoSuchView, 500 ViewFailed when it throws. */
export async function loadView(res: ServerResponse, views: readonly ConsoleView[], id: string): Promise<void> {
  const view = views.find((candidate) => candidate.id === id);
  if (!view) {
    const known = views.map((candidate) => candidate.id).join(", ") || "none";
    sendError(res, 404, "NoSuchView", `the console has no view ${JSON.stringify(id)} (views: ${known})`);
    return;
  }
  let text: string;
  try {
    // Serialized here, so that a view answering what JSON cannot carry (a BigInt, a cycle) fails as that view.
    text = JSON.stringify(await view.load());
  } catch (error) {
    const message = (error as Error)?.message ?? String(error);
    sendError(
      res,
      500,
      "ViewFailed",
      `the view ${JSON.stringify(id)} of function ${view.functionName} failed: ${message}`,
    );
    return;
  }
  sendJsonText(res, 200, text);
}
