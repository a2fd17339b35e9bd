export { Crc64, crc64, crc64Combine } from "./crc64.ts";
