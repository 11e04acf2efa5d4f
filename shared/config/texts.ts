import * as z from "zod/mini";
import { CHANNELS } from "../core/message";
import type { TextOverrides } from "../core/texts";
import { type Fragment, readFragment, TextOverridesError } from "./errors";
import { ENV } from "./names";

const TextsSchema = z.strictObject({
  disclosure: z.optional(z.string()),
  handoff: z.optional(z.string()),
  clarifyHeader: z.optional(z.string()),
  clarifyFooter: z.optional(z.string()),
  mediaUnsupported: z.optional(z.string()),
  inspectionFallback: z.optional(z.string()),
  csatThanks: z.optional(z.string()),
});
const PerLanguage = z.strictObject({ zh: z.optional(TextsSchema), en: z.optional(TextsSchema) });
const OverridesSchema = z.partialRecord(z.enum(["default", ...CHANNELS]), PerLanguage);

/**
 * Operators' wording, from `KEFU_TEXT_OVERRIDES`: JSON shaped like TextOverrides, e.g.
 * `{"default":{"zh":{"disclosure":"…"}},"email":{"en":{"handoff":"… {ticket} …"}}}`.
 */
export const textOverrides: Fragment<TextOverrides> = {
  what: ENV.textOverrides,
  error: TextOverridesError,
  schema: z.pipe(
    z.pipe(
      z.pipe(
        z.object({ [ENV.textOverrides]: z.optional(z.string()) }),
        z.transform((env, ctx) => {
          const raw = env[ENV.textOverrides];
          if (!raw) return undefined;
          try {
            return JSON.parse(raw) as unknown;
          } catch {
            ctx.issues.push({
              code: "custom",
              path: [ENV.textOverrides],
              message: "is not valid JSON",
              input: raw,
            });
            return z.NEVER;
          }
        }),
      ),
      z.optional(OverridesSchema),
    ),
    z.transform((overrides): TextOverrides => overrides ?? {}),
  ),
};

/** KEFU_TEXT_OVERRIDES on its own. */
export function textOverridesFromEnv(raw: string | undefined): TextOverrides {
  return readFragment(textOverrides, { [ENV.textOverrides]: raw });
}
