/** Edits of zips made in tests, to give one entry a header that lies. Names must not occur in the entries' data. */

/** Declares `size` uncompressed bytes for the entry `name`, in its local header and its central-directory record. */
export function declareSize(zip: Buffer, name: string, size: number): void {
  zip.writeUInt32LE(size, zip.indexOf(name) - 30 + 22);
  zip.writeUInt32LE(size, zip.lastIndexOf(name) - 46 + 24);
}

/** Moves where the central directory says the entry `name`'s local header is, by `bytes`. */
export function moveLocalHeader(zip: Buffer, name: string, bytes: number): void {
  const record = zip.lastIndexOf(name) - 46;
  zip.writeUInt32LE(zip.readUInt32LE(record + 42) + bytes, record + 42);
}

/** Pseudo-random lowercase text: compresses about 2:1, like real files. */
export function text(length: number, seed: number): Buffer {
  const bytes = Buffer.alloc(length);
  let state = seed + 1;
  for (let i = 0; i < length; i++) {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    bytes[i] = 97 + ((state >>> 16) % 16);
  }
  return bytes;
}
