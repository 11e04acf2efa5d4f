/** Turns any failure into one sentence in the UI's language. */
import { ApiError } from "./api/client";
import type { Locale, MessageKey, Translate } from "./i18n";

const KNOWN = new Set([
  "ticket_resolved",
  "channel_closed",
  "already_claimed",
  "version_mismatch",
  "forbidden",
  "not_found",
  "validation_failed",
  "channel_refused",
  "retry",
  "network",
]);

/** Which known code a failure stands for: the contract's specific code first, else its HTTP status. */
function knownCode(error: ApiError): string | undefined {
  if (KNOWN.has(error.code)) return error.code;
  switch (error.status) {
    case 403:
      return "forbidden";
    case 404:
      return "not_found";
    case 502:
      return "channel_refused";
    case 503:
      return "retry";
    default:
      return undefined;
  }
}

export function errorText(error: unknown, t: Translate, locale: Locale): string {
  if (!(error instanceof ApiError)) return t("err_unknown", { code: String(error) });
  const code = knownCode(error);
  if (code) return t(`err_${code}` as MessageKey);
  // An error this app has no words for: the server's own sentence in the UI's language.
  const serverText = locale === "zh" ? error.messageZh : error.message;
  return serverText ?? t("err_unknown", { code: error.code });
}
