/**
 * The Node.js options for a process that hosts the local cloud: cosfn's command starts with them (the first line of
 * `bin/cosfn.js`), and the benchmarks start their local cloud with them. Without them, a large upload costs the
 * local cloud about a third more CPU.
 *
 * `--initial-old-space-size=64`: the local cloud's heap is small (about 12 MB) and its young generation grows to
 * its largest under the allocation rate of an upload (a buffer per socket read). V8 starts a full collection
 * whenever the room left under the old generation's limit is smaller than the young generation, and with a small
 * heap that limit is only a few MB above it: a 1 GiB upload then ran 40-60 full collections (about 1.5 ms of CPU
 * per MiB, most of it on V8's marking threads). Starting the old generation's limit at 64 MB leaves that room (it
 * stays when the limit is later computed from the heap's size); measured in BENCHMARKS.md. A smaller young
 * generation (`--max-semi-space-size=1`) did not prevent the collections and made small requests dearer.
 */
export const LOCAL_CLOUD_NODE_FLAGS: readonly string[] = ["--initial-old-space-size=64"];
