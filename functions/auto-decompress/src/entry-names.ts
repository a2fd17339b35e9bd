/** How names in archives without a UTF-8 flag are read. `auto`: UTF-8 when valid, else GB18030. */
export const FILENAME_ENCODINGS = ["auto", "utf8", "gb18030", "big5", "shift_jis", "cp437"] as const;
export type FilenameEncoding = (typeof FILENAME_ENCODINGS)[number];

/** The upper half of code page 437 (the original IBM PC set), which zip's specification names as the default. */
const CP437_HIGH =
  "ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0";

function decodeCp437(bytes: Uint8Array): string {
  let out = "";
  for (const byte of bytes) out += byte < 0x80 ? String.fromCharCode(byte) : (CP437_HIGH[byte - 0x80] as string);
  return out;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

function isUtf8(bytes: Uint8Array): boolean {
  try {
    utf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** A decoded entry name and how it was read. */
export interface DecodedName {
  name: string;
  encoding: Exclude<FilenameEncoding, "auto">;
}

/**
 * Decodes an entry name: UTF-8 when the archive says so (zip's general-purpose flag bit 11), otherwise UTF-8
 * when the bytes are valid UTF-8 and the setting is `auto`, else the configured encoding (GB18030 for `auto`,
 * since zips made on Chinese Windows carry GBK names).
 */
export function decodeEntryName(bytes: Uint8Array, utf8Flag: boolean, encoding: FilenameEncoding): DecodedName {
  if (utf8Flag || encoding === "utf8" || (encoding === "auto" && isUtf8(bytes))) {
    return { name: new TextDecoder("utf-8").decode(bytes), encoding: "utf8" };
  }
  const chosen = encoding === "auto" ? "gb18030" : encoding;
  if (chosen === "cp437") return { name: decodeCp437(bytes), encoding: "cp437" };
  return { name: new TextDecoder(chosen).decode(bytes), encoding: chosen };
}
