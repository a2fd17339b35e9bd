import type { ParseArgsConfig } from "node:util";
import type { Io } from "../../io.ts";
import type { Cos } from "./connect.ts";

/** What a verb runs with: the command's streams and environment, the region, COS (connected on first use). */
export interface VerbContext {
  io: Io;
  env: NodeJS.ProcessEnv;
  region: string;
  cos(): Cos;
}

export type OptionValues = Record<string, string | boolean | string[] | undefined>;

/** One `cosfn cos` verb: its usage line for --help, its options, and what it does. */
export interface Verb {
  usage: string;
  summary: string;
  options: NonNullable<ParseArgsConfig["options"]>;
  /** The verb's positionals and option values; resolves to the exit status. */
  run(args: string[], values: OptionValues, context: VerbContext): Promise<number>;
}
