import { z } from "zod";
import type { Fragment } from "./errors";
import { optional } from "./fragments";
import { DESK_ENV, ENV } from "./names";

/** Which ID tokens the desk API accepts: those of one user pool's app client. */
export interface DeskAuthSettings {
  userPoolId: string;
  clientId: string;
  issuer: string;
  jwksUri: string;
}

export const deskAuth: Fragment<DeskAuthSettings> = {
  what: "desk configuration",
  schema: z
    .object({
      [ENV.region]: optional(z.string()),
      [DESK_ENV.userPoolId]: z.string().min(1),
      [DESK_ENV.clientId]: z.string().min(1),
      [DESK_ENV.issuer]: optional(z.url()),
      [DESK_ENV.jwksUri]: optional(z.url()),
    })
    .transform((env) => {
      const userPoolId = env[DESK_ENV.userPoolId];
      const region = env[ENV.region] ?? "us-east-1";
      const issuer = env[DESK_ENV.issuer] ?? `https://cognito-idp.${region}.amazonaws.com/${userPoolId}`;
      return {
        userPoolId,
        clientId: env[DESK_ENV.clientId],
        issuer,
        jwksUri: env[DESK_ENV.jwksUri] ?? `${issuer}/.well-known/jwks.json`,
      };
    }),
};
