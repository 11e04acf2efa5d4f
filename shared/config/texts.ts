import { z } from "zod";
import { CHANNELS } from "../core/message";
import type { TextOverrides } from "../core/texts";
import { type Fragment, readFragment, TextOverridesError } from "./errors";
import { ENV } from "./names";

const TextsSchema = z
  .object({
    disclosure: z.string(),
    handoff: z.string(),
    clarifyHeader: z.string(),
    clarifyFooter: z.string(),
    mediaUnsupported: z.string(),
  })
  .partial()
  .strict();
const PerLanguage = z.object({ zh: TextsSchema, en: TextsSchema }).partial().strict();
const OverridesSchema = z.partialRecord(z.enum(["default", ...CHANNELS]), PerLanguage);

/**
 * Operators' wording, from `KEFU_TEXT_OVERRIDES`: JSON shaped like TextOverrides, e.g.
 * `{"default":{"zh":{"disclosure":"…"}},"email":{"en":{"handoff":"… {ticket} …"}}}`.
 */
export const textOverrides: Fragment<TextOverrides> = {
  what: ENV.textOverrides,
  error: TextOverridesError,
  schema: z
    .object({ [ENV.textOverrides]: z.string().optional() })
    .transform((env, ctx) => {
      const raw = env[ENV.textOverrides];
      if (!raw) return undefined;
      try {
        return JSON.parse(raw) as unknown;
      } catch {
        ctx.addIssue({ code: "custom", path: [ENV.textOverrides], message: "is not valid JSON" });
        return z.NEVER;
      }
    })
    .pipe(OverridesSchema.optional())
    .transform((overrides): TextOverrides => overrides ?? {}),
};

/** KEFU_TEXT_OVERRIDES on its own. */
export function textOverridesFromEnv(raw: string | undefined): TextOverrides {
  return readFragment(textOverrides, { [ENV.textOverrides]: raw });
}
