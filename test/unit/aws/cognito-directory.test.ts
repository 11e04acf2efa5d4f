import {
  CognitoIdentityProviderClient,
  ListUsersInGroupCommand,
  type UserType,
} from "@aws-sdk/client-cognito-identity-provider";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { cognitoDirectory } from "../../../shared/aws/cognito-directory";

const cognito = mockClient(CognitoIdentityProviderClient);
beforeEach(() => cognito.reset());

const user = (name: string, extra: Partial<UserType> = {}): UserType => ({
  Username: name,
  Enabled: true,
  ...extra,
});

describe("the desk's agents from Cognito", () => {
  it("lists every member of the agent and supervisor groups, page by page, with all their desk groups", async () => {
    const pool = "us-east-1_Desk";
    cognito
      .on(ListUsersInGroupCommand, { UserPoolId: pool, GroupName: "agent" })
      .resolves({ Users: [user("wang", { Attributes: [{ Name: "name", Value: "王芳" }] })], NextToken: "p2" })
      .on(ListUsersInGroupCommand, { UserPoolId: pool, GroupName: "agent", NextToken: "p2" })
      .resolves({ Users: [user("zhao"), user("left", { Enabled: false })] })
      .on(ListUsersInGroupCommand, { UserPoolId: pool, GroupName: "supervisor" })
      .resolves({ Users: [user("li")] })
      .on(ListUsersInGroupCommand, { UserPoolId: pool, GroupName: "admin" })
      // An admin who is not an agent does not work the queue.
      .resolves({ Users: [user("root"), user("li")] })
      .on(ListUsersInGroupCommand, { UserPoolId: pool, GroupName: "pii" })
      .resolves({ Users: [user("zhao")] });

    const members = await cognitoDirectory(new CognitoIdentityProviderClient({}), pool).agents();

    expect(members).toEqual([
      { id: "wang", name: "王芳", groups: ["agent"] },
      { id: "zhao", groups: ["agent", "pii"] },
      { id: "li", groups: ["supervisor", "admin"] },
    ]);
    const calls = cognito.commandCalls(ListUsersInGroupCommand).map((c) => c.args[0].input);
    expect(calls).toHaveLength(5);
    expect(calls.every((input) => input.Limit === 60)).toBe(true);
  });

  it("fails with Cognito's error rather than show a partial list", async () => {
    cognito
      .on(ListUsersInGroupCommand)
      .rejects(Object.assign(new Error("denied"), { name: "AccessDeniedException" }));
    await expect(cognitoDirectory(new CognitoIdentityProviderClient({}), "p").agents()).rejects.toMatchObject(
      {
        name: "AccessDeniedException",
      },
    );
  });
});
