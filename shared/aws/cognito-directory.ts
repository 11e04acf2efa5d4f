import {
  CognitoIdentityProviderClient,
  paginateListUsersInGroup,
  type UserType,
} from "@aws-sdk/client-cognito-identity-provider";
import type { DeskAuthSettings } from "../config/desk";
import type { DeskDirectory, DeskMember } from "../core/desk-ports";
import { clientOptions, type Endpoints } from "./clients";

/** The groups whose members are the desk's agents (a supervisor is also an agent). */
const AGENT_GROUPS = ["agent", "supervisor"] as const;
/** The other desk groups, read to show each agent's full set. */
const OTHER_GROUPS = ["admin", "pii"] as const;
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

  return {
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
