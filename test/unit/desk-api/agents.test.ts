import { describe, expect, it } from "vitest";
import { DeskApiError, type DeskGroup, type DeskRequest } from "../../../functions/desk-api/route";
import { type AgentsDeps, agentRoutes } from "../../../functions/desk-api/routes/agents";
import { DEFAULT_ROUTING_RULES } from "../../../shared/core/desk/routing";
import { memoryAgents } from "../../../shared/stores/memory";
import { memoryDirectory } from "../../support/fakes";

const now = new Date("2026-12-01T10:00:00Z");

function call(
  method: DeskRequest["method"],
  path: string,
  deps: AgentsDeps,
  options: { groups?: DeskGroup[]; user?: string; body?: unknown; params?: Record<string, string> } = {},
) {
  const route = agentRoutes.find((r) => r.method === method && r.path === path);
  if (!route) throw new Error(`no route ${method} ${path}`);
  const request: DeskRequest = {
    method,
    path,
    params: options.params ?? {},
    query: {},
    body: options.body,
    user: { id: options.user ?? "li", groups: options.groups ?? ["agent"] },
    now,
  };
  return { route, response: route.handle(request, deps) };
}

describe("the agents' routes", () => {
  it("declare who may call them", () => {
    const groups = Object.fromEntries(agentRoutes.map((r) => [`${r.method} ${r.path}`, r.groups]));
    expect(groups).toEqual({
      "GET /me": ["agent", "supervisor", "admin", "pii"],
      "POST /me/sign-in": ["agent", "supervisor", "admin", "pii"],
      // Who may change an agent may list them (an admin changes groups from the Agents page).
      "GET /agents": ["supervisor", "admin"],
      "PUT /agents/:id": ["supervisor", "admin"],
      "PUT /me/status": ["agent", "supervisor"],
      "GET /skills": ["agent", "supervisor", "admin"],
    });
  });

  it("tell the signed-in person who they are: groups from the token, status and skills from the agents table", async () => {
    const deps = { directory: memoryDirectory(), agents: memoryAgents(), routing: DEFAULT_ROUTING_RULES };
    const before = await call("GET", "/me", deps, { groups: ["agent", "pii"] }).response;
    expect(before.body).toEqual({
      id: "li",
      displayName: "li",
      groups: ["agent", "pii"],
      skills: [],
      status: "away",
      // What they get when first written (going online, or configured): not a capacity of nothing.
      maxConcurrent: 5,
    });
    await call("PUT", "/me/status", deps, { body: { status: "online" } }).response;
    await call("PUT", "/agents/:id", deps, {
      groups: ["supervisor"],
      params: { id: "li" },
      body: { skills: ["lang:en"], maxConcurrent: 2 },
    }).response;
    const after = await call("GET", "/me", deps, { groups: ["agent", "pii"] }).response;
    expect(after.body).toMatchObject({
      id: "li",
      groups: ["agent", "pii"],
      skills: ["lang:en"],
      status: "online",
      maxConcurrent: 2,
    });
  });

  it("sign an agent in online, whatever they chose before (signing out sets away)", async () => {
    const deps = { directory: memoryDirectory(), agents: memoryAgents(), routing: DEFAULT_ROUTING_RULES };
    const signIn = () => call("POST", "/me/sign-in", deps, { groups: ["agent", "pii"] }).response;
    expect((await call("GET", "/me", deps).response).body).toMatchObject({ status: "away" });
    expect((await signIn()).body).toEqual({
      id: "li",
      displayName: "li",
      groups: ["agent", "pii"],
      skills: [],
      status: "online",
      maxConcurrent: 5,
      openTickets: 0,
    });
    expect((await call("GET", "/me", deps).response).body).toMatchObject({ status: "online" });
    await call("PUT", "/me/status", deps, { body: { status: "away" } }).response;
    expect((await call("GET", "/me", deps).response).body).toMatchObject({ status: "away" });
    expect((await signIn()).body).toMatchObject({ status: "online" });
  });

  it("sign in online an agent a supervisor configured before their first sign-in", async () => {
    const deps = { directory: memoryDirectory(), agents: memoryAgents(), routing: DEFAULT_ROUTING_RULES };
    await call("PUT", "/agents/:id", deps, {
      groups: ["supervisor"],
      params: { id: "li" },
      body: { skills: ["lang:en"], maxConcurrent: 2 },
    }).response;
    expect(await deps.agents.get("li")).toMatchObject({ status: "away" });
    expect((await call("POST", "/me/sign-in", deps).response).body).toMatchObject({
      status: "online",
      skills: ["lang:en"],
      maxConcurrent: 2,
    });
  });

  it("leave the status of a supervisor, an admin or a pii-only user as it is: they sign in to supervise", async () => {
    const deps = { directory: memoryDirectory(), agents: memoryAgents(), routing: DEFAULT_ROUTING_RULES };
    for (const groups of [["supervisor"], ["admin"], ["pii"]] as DeskGroup[][]) {
      const response = await call("POST", "/me/sign-in", deps, { groups, user: `u-${groups[0]}` }).response;
      expect(response.body).toMatchObject({ status: "away", groups });
    }
    expect(deps.agents.items.size).toBe(0);
    // A supervisor who chose Online keeps it.
    await call("PUT", "/me/status", deps, {
      user: "boss",
      groups: ["supervisor"],
      body: { status: "online" },
    }).response;
    const boss = await call("POST", "/me/sign-in", deps, { user: "boss", groups: ["supervisor"] }).response;
    expect(boss.body).toMatchObject({ status: "online" });
  });

  it("let an agent go online and a supervisor list and configure agents", async () => {
    const deps = { directory: memoryDirectory(), agents: memoryAgents(), routing: DEFAULT_ROUTING_RULES };
    const online = await call("PUT", "/me/status", deps, { body: { status: "online" } }).response;
    expect(online).toEqual({
      status: 200,
      body: {
        id: "li",
        displayName: "li",
        groups: [],
        skills: [],
        status: "online",
        maxConcurrent: 5,
        openTickets: 0,
      },
    });
    const configured = await call("PUT", "/agents/:id", deps, {
      groups: ["supervisor"],
      params: { id: "li" },
      body: { skills: ["lang:zh", "vip", "lang:zh"], maxConcurrent: 3 },
    }).response;
    expect(configured.body).toMatchObject({ skills: ["lang:zh", "vip"], maxConcurrent: 3, status: "online" });
    deps.directory.members.push({ id: "li", groups: ["agent"] });
    const list = await call("GET", "/agents", deps, { groups: ["supervisor"] }).response;
    expect((list.body as { agents: unknown[] }).agents).toHaveLength(1);
  });

  it("answer a supervisor's change with the agent as the list shows them, groups from the directory", async () => {
    const deps = {
      directory: memoryDirectory([{ id: "li", name: "李雷", groups: ["agent"] }]),
      agents: memoryAgents(),
      routing: DEFAULT_ROUTING_RULES,
    };
    const configured = await call("PUT", "/agents/:id", deps, {
      groups: ["supervisor"],
      params: { id: "li" },
      body: { skills: ["lang:zh"] },
    }).response;
    const list = await call("GET", "/agents", deps, { groups: ["supervisor"] }).response;
    expect(configured.body).toEqual((list.body as { agents: unknown[] }).agents[0]);
    expect(configured.body).toMatchObject({ groups: ["agent"], displayName: "李雷", skills: ["lang:zh"] });
  });

  it("list the directory's agents and supervisors, with their records where they have one", async () => {
    const agents = memoryAgents();
    await agents.configure("li", { skills: ["lang:en"], maxConcurrent: 2, groups: ["admin"] }, now);
    await agents.setStatus("li", "online", now);
    // Left the groups but still holds a ticket: listed, to be handed over. Left with none: not listed.
    await agents.configure("gone", { displayName: "Gone" }, now);
    await agents.restore("gone", now);
    await agents.configure("long-gone", {}, now);
    const directory = memoryDirectory([
      { id: "wang", name: "王芳", groups: ["agent"] },
      { id: "li", groups: ["supervisor", "pii"] },
    ]);
    const list = await call(
      "GET",
      "/agents",
      { directory, agents, routing: DEFAULT_ROUTING_RULES },
      {
        groups: ["supervisor"],
      },
    ).response;
    expect(list.body).toEqual({
      agents: [
        {
          id: "gone",
          displayName: "Gone",
          groups: [],
          skills: [],
          status: "away",
          maxConcurrent: 5,
          openTickets: 1,
        },
        // Groups from the directory, the ones enforced, not the table's copy.
        {
          id: "li",
          displayName: "li",
          groups: ["supervisor", "pii"],
          skills: ["lang:en"],
          status: "online",
          maxConcurrent: 2,
          openTickets: 0,
        },
        // In Cognito, never configured, never online: listed all the same.
        {
          id: "wang",
          displayName: "王芳",
          groups: ["agent"],
          skills: [],
          status: "away",
          maxConcurrent: 5,
          openTickets: 0,
        },
      ],
    });
  });

  it("refuse bad input with the fields named, and groups from anyone but an admin", async () => {
    const deps = {
      directory: memoryDirectory([{ id: "li", groups: ["agent"] }]),
      agents: memoryAgents(),
      routing: DEFAULT_ROUTING_RULES,
    };
    const bad = await call("PUT", "/agents/:id", deps, {
      groups: ["supervisor"],
      params: { id: "li" },
      body: { maxConcurrent: 0, skills: ["has space"], extra: 1 },
    }).response.catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(DeskApiError);
    // The same answer as every other route's (functions/desk-api/router.ts, parseBody).
    expect(bad).toMatchObject({
      status: 422,
      code: "validation_failed",
      message: "Some fields are missing or invalid.",
      messageZh: "部分字段缺失或无效。",
    });
    expect(Object.keys((bad as DeskApiError).extra.fields as object).sort()).toEqual(
      ["", "maxConcurrent", "skills.0"].map((k) => k || "body").sort(),
    );
    await expect(
      call("PUT", "/me/status", deps, { body: { status: "asleep" } }).response,
    ).rejects.toMatchObject({ status: 422 });
    await expect(
      call("PUT", "/agents/:id", deps, {
        groups: ["supervisor"],
        params: { id: "li" },
        body: { groups: ["admin"] },
      }).response,
    ).rejects.toMatchObject({ status: 403, code: "forbidden" });
    await expect(
      call("PUT", "/agents/:id", deps, {
        groups: ["admin"],
        params: { id: "li" },
        body: { groups: ["agent", "supervisor"] },
      }).response,
    ).resolves.toMatchObject({ body: { groups: ["agent", "supervisor"] } });
  });

  it("change an agent's groups in the directory (the ones enforced) first, then in the agents table", async () => {
    const directory = memoryDirectory([{ id: "wang", groups: ["agent"] }]);
    const agents = memoryAgents();
    const deps = { directory, agents, routing: DEFAULT_ROUTING_RULES };
    const put = (body: unknown, id = "wang") =>
      call("PUT", "/agents/:id", deps, { groups: ["admin"], params: { id }, body }).response;

    await expect(put({ groups: ["agent", "pii"], skills: ["lang:en"] })).resolves.toMatchObject({
      body: { groups: ["agent", "pii"], skills: ["lang:en"] },
    });
    expect(directory.members).toEqual([{ id: "wang", groups: ["agent", "pii"] }]);
    expect((await call("GET", "/agents", deps, { groups: ["supervisor"] }).response).body).toMatchObject({
      agents: [{ id: "wang", groups: ["agent", "pii"] }],
    });

    // Someone the directory does not know: 404, and no record made for them.
    await expect(put({ groups: ["agent"] }, "ghost")).rejects.toMatchObject({
      status: 404,
      code: "not_found",
    });
    expect(agents.items.has("ghost")).toBe(false);

    // The directory fails: said so, and the table is left as it was (it never runs ahead of Cognito).
    directory.setGroups = async () => {
      throw Object.assign(new Error("slow down"), { name: "TooManyRequestsException" });
    };
    await expect(put({ groups: ["supervisor"], maxConcurrent: 9 })).rejects.toMatchObject({
      status: 502,
      code: "directory_failed",
    });
    expect(agents.items.get("wang")).toMatchObject({ groups: ["agent", "pii"], maxConcurrent: 5 });

    // The directory took it but the table did not: not a silent success.
    directory.setGroups = async () => {};
    agents.configure = async () => {
      throw Object.assign(new Error("throttled"), { name: "ProvisionedThroughputExceededException" });
    };
    await expect(put({ groups: ["supervisor"] })).rejects.toMatchObject({
      status: 503,
      code: "partly_saved",
    });
  });

  it("answer a saved change with the saved record when the directory then fails to list", async () => {
    const directory = memoryDirectory([{ id: "wang", name: "王芳", groups: ["agent"] }]);
    const agents = memoryAgents();
    const deps = { directory, agents, routing: DEFAULT_ROUTING_RULES };
    // Cognito throttles the read after the save: the save stands and is said to, not a 500 or 503.
    directory.agents = async () => {
      throw Object.assign(new Error("slow down"), { name: "TooManyRequestsException" });
    };
    const put = (groups: DeskGroup[], body: unknown) =>
      call("PUT", "/agents/:id", deps, { groups, params: { id: "wang" }, body }).response;

    await expect(put(["supervisor"], { maxConcurrent: 7 })).resolves.toMatchObject({
      status: 200,
      body: { id: "wang", maxConcurrent: 7 },
    });
    await expect(put(["admin"], { groups: ["agent", "pii"], skills: ["lang:en"] })).resolves.toMatchObject({
      status: 200,
      body: { id: "wang", groups: ["agent", "pii"], skills: ["lang:en"], maxConcurrent: 7 },
    });
    expect(directory.members).toEqual([{ id: "wang", name: "王芳", groups: ["agent", "pii"] }]);
    expect(agents.items.get("wang")).toMatchObject({ skills: ["lang:en"], maxConcurrent: 7 });
  });

  it("list the skill groups tickets can be transferred to", async () => {
    const deps = { directory: memoryDirectory(), agents: memoryAgents(), routing: DEFAULT_ROUTING_RULES };
    const { body } = await call("GET", "/skills", deps).response;
    expect((body as { skills: { id: string }[] }).skills.map((s) => s.id)).toContain("complaints");
  });
});
