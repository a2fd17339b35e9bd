export { Crc64, crc64 } from "./crc64.ts";
