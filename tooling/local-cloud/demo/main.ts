import { credentialsFromEnv } from "../src/index.ts";
import { DEMO, demoClient, fireEveryEvent } from "./fire-events.ts";

// Run against `npm start`: npx tsx tooling/local-cloud/demo/main.ts [http://127.0.0.1:19000]
const endpoint = process.argv[2] ?? "http://127.0.0.1:19000";
const credentials = credentialsFromEnv();
const steps = await fireEveryEvent(demoClient(endpoint, credentials), endpoint, credentials);
for (const step of steps) console.log(`${step.event.padEnd(42)} cos://${step.bucket}/${step.key}  (${step.how})`);
console.log(`\nWatch npm start's terminal: cdn-purge is invoked for each on ${DEMO.bucket} and ${DEMO.replica}.`);
