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

/** Overwrites the signature of the entry `name`'s local header: the directory points where no local header is. */
export function breakLocalHeader(zip: Buffer, name: string): void {
  zip.writeUInt32LE(0x58585858, zip.indexOf(name) - 30);
}

/** Reverses the central-directory records in place: same directory offset and size, opposite order. */
export function reverseCentralDirectory(zip: Buffer): void {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const start = zip.readUInt32LE(eocd + 16);
  const records: Buffer[] = [];
  for (let at = start; at < eocd; ) {
    const length = 46 + zip.readUInt16LE(at + 28) + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
    records.push(Buffer.from(zip.subarray(at, at + length)));
    at += length;
  }
  Buffer.concat(records.reverse()).copy(zip, start);
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
