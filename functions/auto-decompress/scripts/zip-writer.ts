// A small zip writer for the test corpus: it writes the cases other tools refuse to make (names in GBK without
// the UTF-8 flag, traversal names, symlinks, lying sizes, ZipCrypto, AES markers, zip64, data descriptors,
// long comments), byte by byte, following PKWARE's APPNOTE.

import { deflateRawSync } from "node:zlib";
import { crc32 } from "@cosfn/checksums";

export interface ZipEntryInput {
  /** The name as stored: a string is written as UTF-8, bytes as they are. */
  name: string | Uint8Array;
  data?: Uint8Array;
  /** 0 stored, 8 deflated (default); any other method number is written with the data as it is. */
  method?: number;
  /** Set general-purpose bit 11 (UTF-8 names). Default: true for string names. */
  utf8Flag?: boolean;
  /** Unix mode, written in the external attributes with "made by Unix". */
  unixMode?: number;
  /** Sizes and CRC after the data, in a data descriptor (bit 3). */
  dataDescriptor?: boolean;
  /** ZipCrypto with this password. */
  password?: string;
  /** Marks the entry AES-encrypted (method 99, extra field 0x9901); the data is not really encrypted. */
  aes?: boolean;
  /** Writes the sizes in a zip64 extra field. */
  zip64?: boolean;
  /** Declares this uncompressed size instead of the real one. */
  declaredSize?: number;
  /** Declares this compressed size in the central directory (the local header keeps the real one). */
  centralCompressedSize?: number;
  /** Bytes written after the entry's data, counted in no header unless `centralCompressedSize` says so. */
  padding?: Uint8Array;
  /**
   * Writes no local header or data: the central-directory record points at the local header of the entry with
   * this position, with its sizes, CRC and method (several records sharing one region, as overlap bombs do).
   */
  sharesDataOf?: number;
  modified?: Date;
}

const u16 = (n: number) => {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
};
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
};
const u64 = (n: number) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
};

function dosTime(date: Date): { time: number; day: number } {
  return {
    time: (date.getUTCHours() << 11) | (date.getUTCMinutes() << 5) | Math.floor(date.getUTCSeconds() / 2),
    day: ((date.getUTCFullYear() - 1980) << 9) | ((date.getUTCMonth() + 1) << 5) | date.getUTCDate(),
  };
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crcStep = (crc: number, byte: number) => ((CRC_TABLE[(crc ^ byte) & 0xff] as number) ^ (crc >>> 8)) >>> 0;

/** PKWARE's traditional encryption (ZipCrypto). */
function zipCrypto(password: string, data: Buffer, check: number): Buffer {
  let k0 = 0x12345678;
  let k1 = 0x23456789;
  let k2 = 0x34567890;
  const update = (byte: number) => {
    k0 = crcStep(k0, byte);
    k1 = (Math.imul((k1 + (k0 & 0xff)) >>> 0, 134775813) + 1) >>> 0;
    k2 = crcStep(k2, k1 >>> 24);
  };
  for (const byte of Buffer.from(password, "latin1")) update(byte);
  const header = Buffer.alloc(12, 0x5a);
  header[11] = check;
  const plain = Buffer.concat([header, data]);
  const out = Buffer.alloc(plain.length);
  for (let i = 0; i < plain.length; i++) {
    const temp = (k2 | 2) & 0xffff;
    const keyByte = (Math.imul(temp, temp ^ 1) >>> 8) & 0xff;
    out[i] = (plain[i] as number) ^ keyByte;
    update(plain[i] as number);
  }
  return out;
}

/** Builds a zip from the entries, with an optional archive comment and a zip64 end of central directory. */
export function writeZip(entries: ZipEntryInput[], options: { comment?: string; zip64End?: boolean } = {}): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  const placed: { offset: number; record: Buffer }[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = typeof entry.name === "string" ? Buffer.from(entry.name, "utf8") : Buffer.from(entry.name);
    const shared = entry.sharesDataOf === undefined ? undefined : placed[entry.sharesDataOf];
    if (shared) {
      // The shared record with this entry's name: same method, sizes, CRC and local-header offset.
      const fixed = shared.record.subarray(0, 46);
      const record = Buffer.concat([fixed, name]);
      record.writeUInt16LE(name.length, 28);
      record.writeUInt16LE(0, 30);
      placed.push({ offset: shared.offset, record });
      centrals.push(record);
      continue;
    }
    const data = Buffer.from(entry.data ?? new Uint8Array(0));
    const method = entry.aes ? 99 : (entry.method ?? 8);
    const crc = crc32(data);
    let body: Buffer = method === 8 || (entry.aes && (entry.method ?? 8) === 8) ? deflateRawSync(data) : data;
    const padding = Buffer.from(entry.padding ?? new Uint8Array(0));
    const { time, day } = dosTime(entry.modified ?? new Date("2026-01-02T03:04:06Z"));
    if (entry.password) body = zipCrypto(entry.password, body, entry.dataDescriptor ? (time >> 8) & 0xff : crc >>> 24);
    let flags = 0;
    if (entry.utf8Flag ?? typeof entry.name === "string") flags |= 0x800;
    if (entry.dataDescriptor) flags |= 0x8;
    if (entry.password || entry.aes) flags |= 0x1;
    const size = entry.declaredSize ?? data.length;
    const extras: Buffer[] = [];
    if (entry.zip64) extras.push(Buffer.concat([u16(0x0001), u16(16), u64(size), u64(body.length)]));
    if (entry.aes)
      extras.push(
        Buffer.concat([u16(0x9901), u16(7), u16(2), Buffer.from("AE"), Buffer.from([3]), u16(entry.method ?? 8)]),
      );
    const extra = Buffer.concat(extras);
    const header32 = (n: number) => (entry.zip64 ? 0xffffffff : n);
    const inLocal = (n: number) => (entry.dataDescriptor ? 0 : header32(n));
    const local = Buffer.concat([
      u32(0x04034b50),
      u16(entry.zip64 ? 45 : 20),
      u16(flags),
      u16(method),
      u16(time),
      u16(day),
      u32(entry.dataDescriptor ? 0 : crc),
      u32(inLocal(body.length)),
      u32(inLocal(size)),
      u16(name.length),
      u16(extra.length),
      name,
      extra,
      body,
      padding,
      ...(entry.dataDescriptor ? [u32(0x08074b50), u32(crc), u32(body.length), u32(size)] : []),
    ]);
    const madeBy = entry.unixMode === undefined ? 20 : (3 << 8) | 20;
    const record = Buffer.concat([
      u32(0x02014b50),
      u16(madeBy),
      u16(entry.zip64 ? 45 : 20),
      u16(flags),
      u16(method),
      u16(time),
      u16(day),
      u32(crc),
      u32(header32(entry.centralCompressedSize ?? body.length)),
      u32(header32(size)),
      u16(name.length),
      u16(extra.length),
      u16(0),
      u16(0),
      u16(0),
      u32(entry.unixMode === undefined ? 0 : (entry.unixMode << 16) >>> 0),
      u32(offset),
      name,
      extra,
    ]);
    centrals.push(record);
    placed.push({ offset, record });
    locals.push(local);
    offset += local.length;
  }
  return finishZip(locals, centrals, offset, entries.length, options);
}

/** Appends the central directory and its end records (zip64 when asked) to the local sections. */
function finishZip(
  locals: Buffer[],
  centrals: Buffer[],
  offset: number,
  records: number,
  options: { comment?: string; zip64End?: boolean },
): Buffer {
  const central = Buffer.concat(centrals);
  const comment = Buffer.from(options.comment ?? "", "utf8");
  const tail: Buffer[] = [];
  if (options.zip64End) {
    const zip64EndAt = offset + central.length;
    tail.push(
      Buffer.concat([
        u32(0x06064b50),
        u64(44),
        u16(45),
        u16(45),
        u32(0),
        u32(0),
        u64(records),
        u64(records),
        u64(central.length),
        u64(offset),
      ]),
      Buffer.concat([u32(0x07064b50), u32(0), u64(zip64EndAt), u32(1)]),
    );
  }
  const count = options.zip64End ? 0xffff : records;
  tail.push(
    Buffer.concat([
      u32(0x06054b50),
      u16(0),
      u16(0),
      u16(count),
      u16(count),
      u32(options.zip64End ? 0xffffffff : central.length),
      u32(options.zip64End ? 0xffffffff : offset),
      u16(comment.length),
      comment,
    ]),
  );
  return Buffer.concat([...locals, central, ...tail]);
}

/**
 * An overlap bomb in David Fifield's construction ("A better zip bomb", 2019): `count` entries whose compressed
 * data all end in one shared deflate kernel (`kernel`, deflated, the last entry's data); each earlier entry's data
 * starts with a stored deflate block that quotes the next entry's local header, then continues into the next
 * entry's data. Every local header is real and every record points at its own, yet inflating every entry inflates
 * the kernel `count` times.
 */
export function writeQuotedOverlapZip(count: number, kernel: Uint8Array): Buffer {
  const names = Array.from({ length: count }, (_, i) => Buffer.from(`q${String(i).padStart(3, "0")}.bin`));
  const time = dosTime(new Date("2026-01-02T03:04:06Z"));
  const localHeader = (name: Buffer, crc: number, compressed: number, size: number) =>
    Buffer.concat([
      u32(0x04034b50),
      u16(20),
      u16(0x800),
      u16(8),
      u16(time.time),
      u16(time.day),
      u32(crc),
      u32(compressed),
      u32(size),
      u16(name.length),
      u16(0),
      name,
    ]);
  // Built from the last entry back: each entry's data and what it inflates to.
  let data: Buffer = deflateRawSync(kernel);
  let inflated = Buffer.from(kernel);
  const headers: Buffer[] = [];
  const facts: { crc: number; compressed: number; size: number }[] = [];
  for (let i = count - 1; i >= 0; i--) {
    const fact = { crc: crc32(inflated), compressed: data.length, size: inflated.length };
    facts[i] = fact;
    const header = localHeader(names[i] as Buffer, fact.crc, fact.compressed, fact.size);
    headers[i] = header;
    if (i === 0) break;
    // A non-final stored block (BFINAL 0, BTYPE 00) quoting this header, then the data it precedes.
    const quote = Buffer.concat([Buffer.from([0]), u16(header.length), u16(~header.length & 0xffff)]);
    data = Buffer.concat([quote, header, data]);
    inflated = Buffer.concat([header, inflated]);
  }
  const first = headers[0] as Buffer;
  const body = Buffer.concat([first, data]);
  // Entry i's local header lies inside entry i-1's quote: its offset follows from the quotes before it.
  const centrals: Buffer[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    const fact = facts[i] as { crc: number; compressed: number; size: number };
    const name = names[i] as Buffer;
    centrals.push(
      Buffer.concat([
        u32(0x02014b50),
        u16(20),
        u16(20),
        u16(0x800),
        u16(8),
        u16(time.time),
        u16(time.day),
        u32(fact.crc),
        u32(fact.compressed),
        u32(fact.size),
        u16(name.length),
        u16(0),
        u16(0),
        u16(0),
        u16(0),
        u32(0),
        u32(at),
        name,
      ]),
    );
    at += (headers[i] as Buffer).length + 5;
  }
  return finishZip([body], centrals, body.length, count, {});
}
