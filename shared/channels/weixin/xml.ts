import { XMLParser } from "fast-xml-parser";
import { MalformedRequestError } from "../../core/errors";

/**
 * Entities stay unexpanded and DOCTYPEs are refused outright: WeChat never sends either, and they are
 * how XML bombs and external-entity reads get in. Values stay strings (`parseTagValue: false`) because
 * MsgIds exceed 2^53 and would silently lose digits as numbers.
 */
const parser = new XMLParser({
  processEntities: false,
  htmlEntities: false,
  parseTagValue: false,
  parseAttributeValue: false,
  ignoreAttributes: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
});

const FORBIDDEN = /<!DOCTYPE|<!ENTITY/i;

/**
 * Parses a WeChat push (`<xml>…</xml>`) into its top-level text fields. Nested elements (the extra
 * structures of some menu events) are left out: nothing downstream reads them.
 */
export function parseWeChatXml(body: string): Record<string, string> {
  if (FORBIDDEN.test(body)) throw new MalformedRequestError("XML with a DOCTYPE or ENTITY is not accepted");
  let doc: unknown;
  try {
    doc = parser.parse(body, true);
  } catch {
    // The validator's message quotes fragments of the body: it is not kept, not even as a cause.
    throw new MalformedRequestError("the body is not well-formed XML");
  }
  const root = isRecord(doc) ? doc.xml : undefined;
  if (!isRecord(root)) throw new MalformedRequestError("the body has no <xml> root element");
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries(root)) {
    if (typeof value === "string") fields[name] = value;
  }
  return fields;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
