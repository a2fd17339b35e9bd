/** What the sidecar tells of an image's EXIF block: the camera, the time, the software, whether it has a location. */
export interface ExifSummary {
  make?: string;
  model?: string;
  software?: string;
  /** `DateTimeOriginal` (else `DateTime`) as written, `YYYY:MM:DD HH:MM:SS`: EXIF has no time zone. */
  takenAt?: string;
  orientation?: number;
  /** Whether a GPS block is present (the coordinates are not copied into the sidecar). */
  hasGps: boolean;
}

const TAGS = { make: 0x010f, model: 0x0110, orientation: 0x0112, software: 0x0131, dateTime: 0x0132 } as const;
const EXIF_IFD = 0x8769;
const GPS_IFD = 0x8825;
const DATE_TIME_ORIGINAL = 0x9003;

interface Entry {
  type: number;
  count: number;
  /** Where the value is: inline in the entry, or at the offset it holds. */
  at: number;
}

/**
 * A summary of a raw EXIF block as sharp's `metadata().exif` returns it (`Exif\0\0`, then a TIFF header and IFDs);
 * `undefined` when it cannot be read. Reads only the few tags it reports, every offset checked against the block.
 */
export function summarizeExif(exif: Buffer | undefined): ExifSummary | undefined {
  if (!exif || exif.length < 14) return undefined;
  const tiff = exif.toString("latin1", 0, 6) === "Exif\u0000\u0000" ? exif.subarray(6) : exif;
  const order = tiff.toString("latin1", 0, 2);
  if (order !== "II" && order !== "MM") return undefined;
  const little = order === "II";
  const u16 = (at: number) => (at + 2 <= tiff.length ? (little ? tiff.readUInt16LE(at) : tiff.readUInt16BE(at)) : 0);
  const u32 = (at: number) => (at + 4 <= tiff.length ? (little ? tiff.readUInt32LE(at) : tiff.readUInt32BE(at)) : 0);

  const readIfd = (offset: number): Map<number, Entry> => {
    const entries = new Map<number, Entry>();
    if (offset < 8 || offset + 2 > tiff.length) return entries;
    const count = Math.min(u16(offset), 512);
    for (let i = 0; i < count; i++) {
      const at = offset + 2 + i * 12;
      if (at + 12 > tiff.length) break;
      const type = u16(at + 2);
      const valueCount = u32(at + 4);
      const size = (type === 3 ? 2 : type === 4 ? 4 : 1) * valueCount;
      entries.set(u16(at), { type, count: valueCount, at: size <= 4 ? at + 8 : u32(at + 8) });
    }
    return entries;
  };
  const ascii = (entry: Entry | undefined): string | undefined => {
    if (entry?.type !== 2 || entry.at + entry.count > tiff.length) return undefined;
    const value = tiff
      .toString("latin1", entry.at, entry.at + Math.min(entry.count, 256))
      .replace(/\0[\s\S]*$/, "")
      .trim();
    return value === "" ? undefined : value;
  };
  const short = (entry: Entry | undefined): number | undefined => (entry?.type === 3 ? u16(entry.at) : undefined);
  const offsetOf = (entry: Entry | undefined): number | undefined => (entry ? u32(entry.at) : undefined);

  const ifd0 = readIfd(u32(4));
  if (ifd0.size === 0) return undefined;
  const exifIfdOffset = offsetOf(ifd0.get(EXIF_IFD));
  const exifIfd = exifIfdOffset === undefined ? new Map<number, Entry>() : readIfd(exifIfdOffset);
  const make = ascii(ifd0.get(TAGS.make));
  const model = ascii(ifd0.get(TAGS.model));
  const software = ascii(ifd0.get(TAGS.software));
  const takenAt = ascii(exifIfd.get(DATE_TIME_ORIGINAL)) ?? ascii(ifd0.get(TAGS.dateTime));
  const orientation = short(ifd0.get(TAGS.orientation));
  return {
    ...(make && { make }),
    ...(model && { model }),
    ...(software && { software }),
    ...(takenAt && { takenAt }),
    ...(orientation !== undefined && { orientation }),
    hasGps: ifd0.has(GPS_IFD),
  };
}
