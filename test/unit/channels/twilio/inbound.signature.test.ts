import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { twilioSignature, twilioSignatureMatches } from "../../../../shared/channels/twilio/inbound";

const vector = JSON.parse(
  readFileSync(new URL("../../../fixtures/sms/twilio-signature-vector.json", import.meta.url), "utf8"),
) as { authToken: string; url: string; params: Record<string, string>; signature: string };
const params = Object.entries(vector.params);

describe("X-Twilio-Signature", () => {
  it("reproduces the worked example of Twilio's webhook security guide", () => {
    expect(twilioSignature(vector.authToken, vector.url, params)).toBe(vector.signature);
    expect(twilioSignatureMatches(vector.authToken, vector.signature, vector.url, params)).toBe(true);
  });

  it("sorts the parameters by name, whatever order the form had", () => {
    expect(twilioSignature(vector.authToken, vector.url, [...params].reverse())).toBe(vector.signature);
  });

  it("fails for another URL, query string, parameter value, token or a truncated signature", () => {
    const check = (url: string, p: [string, string][], token = vector.authToken, sig = vector.signature) =>
      twilioSignatureMatches(token, sig, url, p);
    expect(check("https://mycompany.com/myapp.php?foo=1&bar=3", params)).toBe(false);
    expect(check("http://mycompany.com/myapp.php?foo=1&bar=2", params)).toBe(false);
    expect(check("https://evil.example/myapp.php?foo=1&bar=2", params)).toBe(false);
    expect(
      check(
        vector.url,
        params.map(([k, v]) => [k, k === "Digits" ? "9999" : v]),
      ),
    ).toBe(false);
    expect(check(vector.url, [...params, ["Extra", "1"]])).toBe(false);
    expect(check(vector.url, params, "54321")).toBe(false);
    expect(check(vector.url, params, vector.authToken, vector.signature.slice(0, -1))).toBe(false);
    expect(twilioSignatureMatches(vector.authToken, undefined, vector.url, params)).toBe(false);
  });

  it("accepts the URL with or without the default port, as Twilio's helpers do", () => {
    expect(
      twilioSignatureMatches(
        vector.authToken,
        vector.signature,
        "https://mycompany.com:443/myapp.php?foo=1&bar=2",
        params,
      ),
    ).toBe(true);
    const signedWithPort = twilioSignature("tok", "https://a.example:443/hook", []);
    expect(twilioSignatureMatches("tok", signedWithPort, "https://a.example/hook", [])).toBe(true);
    const onOtherPort = twilioSignature("tok", "https://a.example:8443/hook", []);
    expect(twilioSignatureMatches("tok", onOtherPort, "https://a.example/hook", [])).toBe(false);
  });
});
