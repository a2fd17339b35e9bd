import { XMLParser } from "fast-xml-parser";
import { CosError } from "./errors.ts";

/** An XML element: a name and its children (text, nested elements, or nothing). */
export type XmlNode = [
  name: string,
  content?: string | number | boolean | XmlNode[] | undefined,
  attributes?: Record<string, string>,
];

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&${{ "&": "amp", "<": "lt", ">": "gt", '"': "quot", "'": "apos" }[c]};`);
}

function render([name, content, attributes]: XmlNode): string {
  const open = `${name}${Object.entries(attributes ?? {})
    .map(([attribute, value]) => ` ${attribute}="${escapeXml(value)}"`)
    .join("")}`;
  if (content === undefined) return `<${open}/>`;
  if (Array.isArray(content)) return `<${open}>${content.map(render).join("")}</${name}>`;
  return `<${open}>${escapeXml(String(content))}</${name}>`;
}

/** A whole XML document with COS's declaration. */
export function xmlDocument(root: XmlNode): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${render(root)}`;
}

const parser = new XMLParser({
  ignoreAttributes: true,
  ignoreDeclaration: true,
  parseTagValue: false,
  trimValues: false,
  isArray: (name) => ["Part", "Object", "Tag", "Grant"].includes(name),
});

/** Parses a request body as XML; a body that is not XML is `MalformedXML`. */
export function parseXmlBody(text: string): Record<string, unknown> {
  try {
    const parsed = parser.parse(text, true);
    if (parsed && typeof parsed === "object") return parsed as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new CosError(
    "MalformedXML",
    "the XML you provided was not well-formed or did not validate against our published schema",
  );
}
