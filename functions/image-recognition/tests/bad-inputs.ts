import { crc32, deflateSync } from "node:zlib";
import sharp from "sharp";
import { photo } from "./support.ts";

/** A PNG chunk: length, type, data, CRC. */
function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, "latin1");
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/**
 * A pixel bomb: a valid PNG of a few hundred bytes whose header declares `side` x `side` 8-bit grey pixels (10 GB
 * decoded at 100k), with the first rows of zeros compressed in its IDAT.
 */
export function pixelBombPng(side = 100_000): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(side, 0);
  ihdr.writeUInt32BE(side, 4);
  ihdr.set([8, 0, 0, 0, 0], 8); // 8 bits, greyscale, deflate, adaptive filtering, no interlace
  const rows = deflateSync(Buffer.alloc((side + 1) * 4));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", rows),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

/** Three frames of a real photo (turned 0, 90 and 180 degrees), stacked as one strip of `width` x `height` pages. */
async function frameStrip(width: number, height: number): Promise<Buffer> {
  const base = photo("food-coffee.jpg");
  const frames = await Promise.all(
    [0, 90, 180].map((angle) =>
      sharp(base).rotate(angle).resize(width, height, { fit: "fill" }).removeAlpha().raw().toBuffer(),
    ),
  );
  return Buffer.concat(frames);
}

/** The bad and unusual inputs of issue 12, each made from a real photograph of test-fixtures/images. */
export async function badInputs(): Promise<Record<string, Buffer>> {
  const coffee = photo("food-coffee.jpg");
  const cat = photo("cat-chelsea.png");
  const strip = await frameStrip(120, 80);
  const raw = { raw: { width: 120, height: 240, channels: 3 as const, pageHeight: 80 } };
  const avif = await sharp(coffee).resize(300).avif({ quality: 50 }).toBuffer();
  return {
    empty: Buffer.alloc(0),
    truncatedJpeg: coffee.subarray(0, Math.floor(coffee.length * 0.6)),
    truncatedPng: cat.subarray(0, Math.floor(cat.length * 0.6)),
    textAsJpeg: Buffer.from("this is not a photograph, whatever its name says\n"),
    pixelBomb: pixelBombPng(),
    animatedGif: await sharp(strip, raw)
      .gif({ loop: 0, delay: [100, 100, 100] })
      .toBuffer(),
    animatedWebp: await sharp(strip, raw)
      .webp({ loop: 0, delay: [100, 100, 100] })
      .toBuffer(),
    cmykJpeg: await sharp(coffee).toColourspace("cmyk").jpeg({ quality: 90 }).toBuffer(),
    png16: await sharp(cat).toColourspace("rgb16").png().toBuffer(),
    multipageTiff: await sharp(strip, raw).tiff().toBuffer(),
    avif,
    // A real HEIC (HEVC-coded, brands heic/mif1/miaf, as phones write), made from the coffee photo with libheif's
    // x265 encoder (test-fixtures/images/README.md). sharp's prebuilt libvips reads its container, not its pixels.
    heic: photo("food-coffee.heic"),
    svg: Buffer.from(
      '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="64" height="64"><image xlink:href="file:///etc/passwd" width="64" height="64"/></svg>\n',
    ),
  };
}
