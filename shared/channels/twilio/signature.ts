import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * `X-Twilio-Signature` = base64(HMAC-SHA1(auth token, URL + every POST parameter's name and value,
 * sorted by name)). The URL is the exact one configured in the Twilio console, query string included;
 * form parameters are the decoded values.
 */
export function twilioSignature(authToken: string, url: string, params: Iterable<[string, string]>): string {
  // Sorted by name (code-unit order, like Twilio's helpers); repeated names keep their values sorted too.
  const sorted = [...params].sort(([a, av], [b, bv]) =>
    a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0,
  );
  let data = url;
  for (const [name, value] of sorted) data += name + value;
  return createHmac("sha1", authToken).update(data, "utf8").digest("base64");
}

/**
 * Constant-time check against every form of the URL Twilio may have signed: as configured, and with the
 * default port added or removed (Twilio's helpers accept both; some proxies add `:443`).
 */
export function twilioSignatureMatches(
  authToken: string,
  signature: string | undefined,
  url: string,
  params: [string, string][],
): boolean {
  if (!signature) return false;
  const given = Buffer.from(signature, "utf8");
  let ok = false;
  for (const candidate of urlVariants(url)) {
    const expected = Buffer.from(twilioSignature(authToken, candidate, params), "utf8");
    // Every variant is compared, so timing does not tell which one matched.
    if (expected.length === given.length && timingSafeEqual(expected, given)) ok = true;
  }
  return ok;
}

function urlVariants(raw: string): string[] {
  const m = /^(https?):\/\/([^/?#]*)(.*)$/is.exec(raw);
  if (!m) return [raw];
  const [, scheme = "", authority = "", rest = ""] = m;
  const port = scheme.toLowerCase() === "https" ? "443" : "80";
  if (authority.endsWith(`:${port}`))
    return [raw, `${scheme}://${authority.slice(0, -port.length - 1)}${rest}`];
  if (/:\d+$/.test(authority)) return [raw];
  return [raw, `${scheme}://${authority}:${port}${rest}`];
}
