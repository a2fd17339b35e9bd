export { Crc32, crc32 } from "./crc32.ts";
export { Crc64, crc64, crc64Combine } from "./crc64.ts";
