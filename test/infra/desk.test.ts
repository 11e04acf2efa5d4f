import { Match } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { DeskApiConfigSchema } from "../../shared/config/load-desk";
import { SYNTH_TIMEOUT_MS, synthKefu } from "./synth";

/** The agents' desk in the template: who may sign in, what guards the API, where the app is served from. */
let template: ReturnType<typeof synthKefu>["template"];

beforeAll(() => {
  ({ template } = synthKefu({}, { bundle: false }));
}, SYNTH_TIMEOUT_MS);

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;
const resources = (type: string): Record<string, unknown>[] =>
  Object.entries(template.findResources(type) as Resources).map(([id, r]) => ({ id, ...r.Properties }));

describe("the desk's outputs", () => {
  it("are named as the README's Deploy section names them, with no construct path or hash", () => {
    expect(Object.keys(template.findOutputs("*"))).toEqual(
      expect.arrayContaining(["DeskUrl", "DeskUserPoolId", "DeskClientId"]),
    );
  });
});

describe("the desk's user pool", () => {
  it("takes no sign-ups (admins create accounts) and asks for strong passwords", () => {
    template.hasResourceProperties("AWS::Cognito::UserPool", {
      AdminCreateUserConfig: Match.objectLike({ AllowAdminCreateUserOnly: true }),
      Policies: {
        PasswordPolicy: Match.objectLike({
          MinimumLength: 12,
          RequireLowercase: true,
          RequireUppercase: true,
          RequireNumbers: true,
          RequireSymbols: true,
        }),
      },
    });
  });

  it("has the groups agent, supervisor, admin and pii", () => {
    expect(
      resources("AWS::Cognito::UserPoolGroup")
        .map((g) => g.GroupName)
        .sort(),
    ).toEqual(["admin", "agent", "pii", "supervisor"]);
  });

  it("has one app client without a secret, for the password and refresh flows", () => {
    const [client, ...more] = resources("AWS::Cognito::UserPoolClient");
    expect(more).toEqual([]);
    expect(client?.GenerateSecret).toBe(false);
    expect(client?.ExplicitAuthFlows).toEqual(["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]);
  });
});

describe("the desk API", () => {
  it("has a JWT authorizer of the pool's client on every desk route, and only the webhooks go without", () => {
    const routes = resources("AWS::ApiGatewayV2::Route");
    const desk = routes.filter((r) => String(r.RouteKey).includes("/desk/"));
    expect(desk.length).toBeGreaterThan(0);
    for (const route of desk) {
      expect(route.AuthorizationType, String(route.RouteKey)).toBe("JWT");
      expect(route.AuthorizerId).toBeDefined();
    }
    for (const route of routes.filter((r) => !String(r.RouteKey).includes("/desk/"))) {
      expect(String(route.RouteKey)).toMatch(/ \/webhooks\/\{channel\}$/);
    }
    const [authorizer] = resources("AWS::ApiGatewayV2::Authorizer");
    expect(authorizer).toMatchObject({
      AuthorizerType: "JWT",
      IdentitySource: ["$request.header.Authorization"],
    });
  });

  it("may list the members of the pool's groups and change a user's groups in that pool (the agents page), nothing else of Cognito", () => {
    const fn = Object.entries(template.findResources("AWS::Lambda::Function") as Resources).find(([, f]) =>
      String(f.Properties.Description ?? "").startsWith("Kefu desk API"),
    );
    if (!fn) throw new Error("no desk API function");
    const role = (fn[1].Properties.Role as { "Fn::GetAtt": [string, string] })["Fn::GetAtt"][0];
    const statements = resources("AWS::IAM::Policy")
      .filter((p) => JSON.stringify(p.Roles).includes(role))
      .flatMap(
        (p) =>
          (p.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] }).Statement,
      )
      .filter((s) => [s.Action].flat().some((a) => a.startsWith("cognito-idp:")));
    const [pool] = Object.keys(template.findResources("AWS::Cognito::UserPool"));
    expect(statements).toEqual([
      {
        Action: [
          "cognito-idp:ListUsersInGroup",
          "cognito-idp:AdminListGroupsForUser",
          "cognito-idp:AdminAddUserToGroup",
          "cognito-idp:AdminRemoveUserFromGroup",
        ],
        Effect: "Allow",
        Resource: { "Fn::GetAtt": [pool, "Arn"] },
      },
    ]);
  });

  it("gives the function a configuration its loader accepts", () => {
    const fn = resources("AWS::Lambda::Function").find((f) =>
      String(f.Description ?? "").startsWith("Kefu desk API"),
    );
    const variables =
      (fn?.Environment as { Variables: Record<string, unknown> } | undefined)?.Variables ?? {};
    // Tokens stand for the physical names; the schema checks names and shapes.
    const env = Object.fromEntries(
      Object.entries(variables).map(([k, v]) => [k, typeof v === "string" ? v : "resolved-at-deploy"]),
    );
    expect(DeskApiConfigSchema.safeParse(env).success).toBe(true);
  });
});

describe("the desk's web app", () => {
  it("is in a bucket no one reaches but CloudFront (origin access control), over TLS only", () => {
    const buckets = resources("AWS::S3::Bucket");
    for (const bucket of buckets) {
      expect(bucket.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
    }
    for (const policy of resources("AWS::S3::BucketPolicy")) {
      const statements = (policy.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement;
      for (const statement of statements.filter((s) => s.Effect === "Allow")) {
        // Never `Principal: "*"`: only services (CloudFront for the app, log delivery) or roles.
        expect(statement.Principal).not.toBe("*");
        expect(JSON.stringify(statement.Principal)).not.toContain('"AWS":"*"');
      }
    }
    expect(resources("AWS::CloudFront::OriginAccessControl")).toHaveLength(1);
  });

  it("is served with security headers, and /desk/api/* goes to the HTTP API uncached", () => {
    const [distribution] = resources("AWS::CloudFront::Distribution");
    const config = distribution?.DistributionConfig as {
      DefaultCacheBehavior: Record<string, unknown>;
      CacheBehaviors: Record<string, unknown>[];
    };
    expect(config.DefaultCacheBehavior.ViewerProtocolPolicy).toBe("redirect-to-https");
    expect(config.DefaultCacheBehavior.ResponseHeadersPolicyId).toBeDefined();
    const api = config.CacheBehaviors.find((b) => b.PathPattern === "/desk/api/*");
    expect(api).toMatchObject({
      ViewerProtocolPolicy: "https-only",
      // Managed CachingDisabled.
      CachePolicyId: "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
      AllowedMethods: expect.arrayContaining(["POST", "PUT", "DELETE"]),
    });
  });
});

describe("the FAQ bucket", () => {
  it("takes the admin's browser PUT of an FAQ file (CORS: PUT with its Content-Type), the presigned URL being the credential", () => {
    template.hasResourceProperties("AWS::S3::Bucket", {
      CorsConfiguration: {
        CorsRules: [
          Match.objectLike({
            AllowedMethods: ["PUT"],
            AllowedOrigins: ["*"],
            AllowedHeaders: ["Content-Type"],
          }),
        ],
      },
    });
  });
});
