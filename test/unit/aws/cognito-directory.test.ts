import {
  AdminAddUserToGroupCommand,
  AdminListGroupsForUserCommand,
  AdminRemoveUserFromGroupCommand,
  CognitoIdentityProviderClient,
  ListUsersInGroupCommand,
  type UserType,
} from "@aws-sdk/client-cognito-identity-provider";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { cognitoDirectory } from "../../../shared/aws/cognito-directory";
import { UnknownDeskUserError } from "../../../shared/core/desk/ports";

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

describe("changing an agent's groups in Cognito", () => {
  const pool = "us-east-1_Desk";
  const groupsOf = (...names: string[]) => ({ Groups: names.map((GroupName) => ({ GroupName })) });

  it("adds the missing desk groups, then removes the others, leaving the pool's other groups alone", async () => {
    cognito
      .on(AdminListGroupsForUserCommand, { UserPoolId: pool, Username: "wang" })
      .resolves(groupsOf("agent", "pii", "beta-testers"));
    await cognitoDirectory(new CognitoIdentityProviderClient({}), pool).setGroups("wang", [
      "supervisor",
      "admin",
    ]);
    const changes = cognito.calls().flatMap((call) => {
      const input = call.args[0].input as { GroupName?: string; Username?: string; UserPoolId?: string };
      const name = call.args[0].constructor.name;
      if (name === "AdminAddUserToGroupCommand")
        return [`+${input.GroupName} ${input.Username}@${input.UserPoolId}`];
      if (name === "AdminRemoveUserFromGroupCommand")
        return [`-${input.GroupName} ${input.Username}@${input.UserPoolId}`];
      return [];
    });
    expect(changes).toEqual([
      `+supervisor wang@${pool}`,
      `+admin wang@${pool}`,
      `-agent wang@${pool}`,
      `-pii wang@${pool}`,
    ]);
  });

  it("changes nothing when the user already has exactly those groups (a retried change is safe)", async () => {
    cognito.on(AdminListGroupsForUserCommand).resolves(groupsOf("agent"));
    await cognitoDirectory(new CognitoIdentityProviderClient({}), pool).setGroups("wang", ["agent"]);
    expect(cognito.commandCalls(AdminAddUserToGroupCommand)).toHaveLength(0);
    expect(cognito.commandCalls(AdminRemoveUserFromGroupCommand)).toHaveLength(0);
  });

  it("says the user is unknown (UnknownDeskUserError), and passes on any other failure", async () => {
    const directory = cognitoDirectory(new CognitoIdentityProviderClient({}), pool);
    cognito
      .on(AdminListGroupsForUserCommand)
      .rejects(Object.assign(new Error("User does not exist."), { name: "UserNotFoundException" }));
    await expect(directory.setGroups("ghost", ["agent"])).rejects.toBeInstanceOf(UnknownDeskUserError);
    cognito.reset();
    cognito.on(AdminListGroupsForUserCommand).resolves(groupsOf());
    cognito
      .on(AdminAddUserToGroupCommand)
      .rejects(Object.assign(new Error("slow down"), { name: "TooManyRequestsException" }));
    await expect(directory.setGroups("wang", ["agent"])).rejects.toMatchObject({
      name: "TooManyRequestsException",
    });
  });
});
