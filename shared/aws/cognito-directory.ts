import {
  AdminAddUserToGroupCommand,
  AdminRemoveUserFromGroupCommand,
  CognitoIdentityProviderClient,
  paginateAdminListGroupsForUser,
  paginateListUsersInGroup,
  type UserType,
} from "@aws-sdk/client-cognito-identity-provider";
import type { DeskAuthSettings } from "../config/desk";
import { type DeskDirectory, type DeskMember, UnknownDeskUserError } from "../core/desk/ports";
import { clientOptions, type Endpoints } from "./clients";

/** The groups whose members are the desk's agents (a supervisor is also an agent). */
const AGENT_GROUPS = ["agent", "supervisor"] as const;
/** The other desk groups, read to show each agent's full set. */
const OTHER_GROUPS = ["admin", "pii"] as const;
/** Every desk group: the only ones setGroups adds a user to or removes them from. */
const DESK_GROUPS: readonly string[] = [...AGENT_GROUPS, ...OTHER_GROUPS];
/** ListUsersInGroup's largest page. */
const PAGE_SIZE = 60;

export function cognitoClient(runtime: Endpoints, auth: DeskAuthSettings): CognitoIdentityProviderClient {
  return new CognitoIdentityProviderClient(clientOptions(runtime, auth.endpoint));
}

/**
 * The desk's agents as the user pool has them: every member of the agent and supervisor groups
 * (ListUsersInGroup, page by page), with all of their desk groups. Disabled users are not on the desk.
 */
export function cognitoDirectory(client: CognitoIdentityProviderClient, userPoolId: string): DeskDirectory {
  async function membersOf(group: string): Promise<UserType[]> {
    const users: UserType[] = [];
    const pages = paginateListUsersInGroup(
      { client, pageSize: PAGE_SIZE },
      { UserPoolId: userPoolId, GroupName: group },
    );
    for await (const page of pages) users.push(...(page.Users ?? []));
    return users;
  }

  async function groupsOf(username: string): Promise<Set<string>> {
    const groups = new Set<string>();
    const pages = paginateAdminListGroupsForUser(
      { client, pageSize: PAGE_SIZE },
      { UserPoolId: userPoolId, Username: username },
    );
    for await (const page of pages) {
      for (const group of page.Groups ?? []) if (group.GroupName) groups.add(group.GroupName);
    }
    return groups;
  }

  return {
    async setGroups(userId, wanted) {
      const ids = { UserPoolId: userPoolId, Username: userId };
      try {
        const current = await groupsOf(userId);
        // Additions first: a change that stops half-way leaves the user with more access than asked
        // for a moment, never locked out of the desk by a removal whose addition did not follow.
        for (const group of DESK_GROUPS) {
          if (wanted.includes(group) && !current.has(group)) {
            await client.send(new AdminAddUserToGroupCommand({ ...ids, GroupName: group }));
          }
        }
        for (const group of DESK_GROUPS) {
          if (!wanted.includes(group) && current.has(group)) {
            await client.send(new AdminRemoveUserFromGroupCommand({ ...ids, GroupName: group }));
          }
        }
      } catch (error) {
        if ((error as { name?: unknown } | null)?.name === "UserNotFoundException") {
          throw new UnknownDeskUserError();
        }
        throw error;
      }
    },

    async agents() {
      const groups = [...AGENT_GROUPS, ...OTHER_GROUPS];
      const memberships = await Promise.all(
        groups.map(async (group) => ({ group, users: await membersOf(group) })),
      );
      const members = new Map<string, DeskMember>();
      for (const { group, users } of memberships) {
        for (const user of users) {
          if (!user.Username || user.Enabled === false) continue;
          const isAgent = (AGENT_GROUPS as readonly string[]).includes(group);
          const known = members.get(user.Username);
          if (!known && !isAgent) continue;
          if (known) {
            known.groups.push(group);
            continue;
          }
          const name = user.Attributes?.find((a) => a.Name === "name")?.Value;
          members.set(user.Username, { id: user.Username, ...(name ? { name } : {}), groups: [group] });
        }
      }
      return [...members.values()];
    },
  };
}
