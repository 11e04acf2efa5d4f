/**
 * DEVELOPMENT ONLY: an in-memory implementation of the desk API contract (desk-contract v1) and of the few
 * Cognito calls the app makes, so the desk runs with `npm run desk:dev` before the real back end exists.
 * Nothing here is deployed or used by the back end. Tokens are HMAC-signed with a per-process secret, so a
 * forged or expired token gets the 401 the real API gives.
 */
import { createHmac, randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type {
  Agent,
  FaqHit,
  ImportReportSummary,
  LearningSuggestion,
  PendingChange,
  Priority,
  QaReview,
  QaReviews,
  QualityReport,
  Suggestion,
  TicketDetail,
  TicketSummary,
  Turn,
} from "../src/api/types";
import { replyBudget } from "../src/lib/constraints";
import {
  constraintsFor,
  SEED_AGENTS,
  SEED_FAQ,
  SEED_PICKS,
  SEED_SUGGESTIONS,
  SEED_TICKETS,
  type SeedFaq,
  SKILLS,
} from "./seed";
import { seedCounters, seedReport } from "./seed-analytics";

export interface MockOptions {
  /** Password of every demo user (KEFU_DESK_DEMO_PASSWORD; a documented default otherwise). */
  password?: string;
  pollMs?: number;
  /** Lifetime of ID tokens, seconds (short in tests to exercise the refresh). */
  tokenTtlSec?: number;
  /** Milliseconds between an upload and its import report. */
  importDelayMs?: number;
  now?: () => number;
}

interface MockTicket {
  summary: Omit<TicketSummary, "unread">;
  detail: string;
  transcript: Turn[];
  candidates: TicketDetail["candidates"];
  channelId: string;
  real: string;
  optedOut: boolean;
  windowEndsAt?: string;
  csat?: TicketDetail["csat"];
  resolvedAt?: string;
  reopenedAt?: string;
  /** Customer turns each agent has read. */
  readBy: Map<string, number>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly messageZh: string,
  ) {
    super(message);
  }
}

/** An answer with a status other than 200 (the reply whose delivery is unknown: 202). */
class WithStatus {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {}
}

const PRIORITY_RANK: Record<Priority, number> = { urgent: 0, high: 1, normal: 2, low: 3 };
const WINDOW_MS = 48 * 3600_000;

export const DEFAULT_DEMO_PASSWORD = "Kefu-Desk-Demo-1";

export class MockDesk {
  readonly password: string;
  readonly pollMs: number;
  private readonly tokenTtlSec: number;
  private readonly importDelayMs: number;
  private readonly now: () => number;
  private readonly secret = randomBytes(32);
  private readonly refreshTokens = new Map<string, string>();
  private readonly challenges = new Map<string, string>();
  private readonly agents = new Map<string, Agent & { password?: string }>();
  readonly tickets = new Map<string, MockTicket>();
  /** Tickets whose next reply gets no answer from the channel (loseNextDelivery). */
  private readonly unanswered = new Set<string>();
  private readonly faq: SeedFaq[] = structuredClone(SEED_FAQ);
  readonly changes: PendingChange[] = [];
  /** Wordings approved as out of scope (the real API imports them as out-of-scope rows). */
  readonly outOfScope: string[] = [];
  readonly suggestions: LearningSuggestion[] = structuredClone(SEED_SUGGESTIONS);
  /** The open picks behind each suggestion of picks: how often each of its wordings was picked. */
  private readonly picks = new Map(
    Object.entries(SEED_PICKS).map(([id, counts]) => [id, new Map(Object.entries(counts))]),
  );
  /** The analytics counters GET /reports sums: one item per day × channel. */
  readonly counters: ReturnType<typeof seedCounters>;
  /** The query strings GET /reports was asked with, in order. */
  readonly reportQueries: string[] = [];
  private readonly imports: ImportReportSummary[] = [];
  private readonly versions: { version: string; at: string; entries: number }[] = [];
  private currentVersion = "";
  readonly audit: { who: string; at: string; ticketId: string; field: string }[] = [];
  /** How many times a refresh token was exchanged for a new ID token. */
  refreshes = 0;
  private nextId = 0x3a7f21;

  constructor(options: MockOptions = {}) {
    this.password = options.password ?? DEFAULT_DEMO_PASSWORD;
    this.pollMs = options.pollMs ?? 3000;
    this.tokenTtlSec = options.tokenTtlSec ?? 3600;
    this.importDelayMs = options.importDelayMs ?? 1500;
    this.now = options.now ?? Date.now;
    this.counters = seedCounters(this.now());
    for (const agent of SEED_AGENTS) this.agents.set(agent.id, { ...agent });
    for (const seed of SEED_TICKETS) this.seedTicket(seed);
    const base = this.now();
    for (const [i, entries] of [SEED_FAQ.length - 2, SEED_FAQ.length - 1, SEED_FAQ.length].entries()) {
      this.versions.push({
        version: `v${i + 1}`,
        at: new Date(base - (3 - i) * 86_400_000).toISOString(),
        entries,
      });
    }
    this.currentVersion = "v3";
    this.imports.push({
      upload: "2026-11-28-faq.csv",
      version: "v3",
      status: "partial",
      counts: { total: 9, inserted: 8, rejected: 1 },
      rejected: [
        { row: 7, id: "FAQ-0099", field: "answer", code: "empty_field", message: "answer is empty" },
      ],
      at: new Date(base - 86_400_000).toISOString(),
    });
  }

  // ---------- controls for tests and the dev page ----------

  /** A customer writes on an existing ticket (it reopens a resolved one) or, without id, opens a new one. */
  customerWrites(text: string, ticketId?: string): string {
    const id = ticketId ?? this.newTicket(text);
    const ticket = this.ticket(id);
    const at = this.iso();
    ticket.transcript.push({ role: "customer", text, at });
    ticket.summary.preview = text.slice(0, 120);
    ticket.summary.updatedAt = at;
    ticket.summary.lastCustomerAt = at;
    if (ticket.windowEndsAt !== undefined)
      ticket.windowEndsAt = new Date(this.now() + WINDOW_MS).toISOString();
    if (ticket.summary.status === "resolved") {
      ticket.summary.status = ticket.summary.assignee ? "assigned" : "open";
      ticket.reopenedAt = at;
    }
    return id;
  }

  /**
   * The channel's next send on this ticket goes out and gets no answer (a timeout after the request
   * left): the reply is recorded as possibly delivered and answered 202 `delivery: "unknown"`.
   */
  loseNextDelivery(ticketId: string): void {
    this.unanswered.add(this.ticket(ticketId).summary.ticketId);
  }

  /** Someone else resolves the ticket (another agent, or the customer's window closing the case). */
  resolveElsewhere(ticketId: string, by = "agent2"): void {
    this.resolve(this.ticket(ticketId), by);
  }

  private newTicket(text: string): string {
    const id = this.ticketId();
    const at = this.iso();
    const english = /^[\x20-\x7e\s]*$/.test(text);
    this.tickets.set(id, {
      summary: {
        ticketId: id,
        channel: "wechat",
        status: "open",
        priority: "normal",
        reason: "customer_request",
        language: english ? "en" : "zh",
        skills: [english ? "en" : "zh", "wechat"],
        vip: false,
        customer: { display: "wx:o6_n…w8" },
        preview: "",
        createdAt: at,
        updatedAt: at,
        sla: {
          firstResponseDueAt: new Date(this.now() + 15 * 60_000).toISOString(),
          resolutionDueAt: new Date(this.now() + 4 * 3600_000).toISOString(),
          breached: [],
        },
      },
      detail: "human_request:转人工",
      transcript: [],
      candidates: this.search(text)
        .slice(0, 3)
        .map((hit) => ({
          faqId: hit.id,
          score: hit.score ?? 0,
          question: hit.question,
          answer: hit.answer,
          category: hit.category,
        })),
      channelId: "o6_n…w8",
      real: "o6_nZ8x7c6v5b4n3m2w8",
      optedOut: false,
      windowEndsAt: new Date(this.now() + WINDOW_MS).toISOString(),
      readBy: new Map(),
    });
    return id;
  }

  private ticketId(): string {
    this.nextId += 0x1d3b;
    return `KF-${this.nextId.toString(16).toUpperCase().padStart(8, "0")}`;
  }

  private seedTicket(seed: (typeof SEED_TICKETS)[number]): void {
    const start = this.now() - seed.ageMin * 60_000;
    const at = (minutes: number) => new Date(start + minutes * 60_000).toISOString();
    const id = this.ticketId();
    const transcript: Turn[] = seed.turns.map(([role, text, minutes, agent]) => ({
      role,
      text: text.replaceAll("{ticket}", id),
      at: at(minutes),
      ...(agent ? { agent } : {}),
    }));
    const customerTurns = transcript.filter((turn) => turn.role === "customer");
    const last = customerTurns.at(-1);
    const firstDue = start + seed.firstResponseMin * 60_000;
    const resolutionDue = start + seed.resolutionMin * 60_000;
    const responded =
      seed.firstRespondedMinAfter === undefined ? undefined : start + seed.firstRespondedMinAfter * 60_000;
    const breached: ("first_response" | "resolution")[] = [];
    if (!seed.resolved && (responded ?? this.now()) > firstDue) breached.push("first_response");
    if (!seed.resolved && this.now() > resolutionDue) breached.push("resolution");
    const windowEndsAt =
      seed.channel === "wechat" || seed.channel === "wecom-kf"
        ? new Date(
            (last ? Date.parse(last.at) : start) + (seed.constraints?.windowClosed ? -0 : WINDOW_MS),
          ).toISOString()
        : undefined;
    const readBy = new Map<string, number>();
    // The assignee has read all but the last customer message, so unread markers show on the first load.
    if (seed.assignee) readBy.set(seed.assignee, Math.max(0, customerTurns.length - 1));
    this.tickets.set(id, {
      summary: {
        ticketId: id,
        channel: seed.channel,
        status: seed.resolved ? "resolved" : seed.assignee ? "assigned" : "open",
        priority: breached.length > 0 && seed.priority === "normal" ? "high" : seed.priority,
        reason: seed.reason,
        language: seed.language,
        skills: seed.skills,
        vip: seed.vip ?? false,
        assignee: seed.assignee,
        customer: { display: seed.display },
        preview: (last?.text ?? "").slice(0, 120),
        createdAt: at(0),
        updatedAt: transcript.at(-1)?.at ?? at(0),
        lastCustomerAt: last?.at,
        sla: {
          firstResponseDueAt: new Date(firstDue).toISOString(),
          resolutionDueAt: new Date(resolutionDue).toISOString(),
          firstRespondedAt: responded === undefined ? undefined : new Date(responded).toISOString(),
          breached,
        },
      },
      detail: seed.detail,
      transcript,
      candidates: seed.candidates.map(([faqId, score]) => {
        const entry = this.faq.find((e) => e.id === faqId);
        return {
          faqId,
          score,
          question: entry?.question ?? "",
          answer: entry?.answer ?? "",
          category: entry?.category,
        };
      }),
      channelId: seed.channelId,
      real: seed.real,
      optedOut: seed.constraints?.optedOut ?? false,
      windowEndsAt,
      csat: seed.csat ? { score: seed.csat, at: at(seed.ageMin - 5) } : undefined,
      resolvedAt: seed.resolved ? at(seed.ageMin - 10) : undefined,
      readBy,
    });
  }

  // ---------- HTTP ----------

  /** Handles the request if it is the mock's; false lets the caller serve it (static files, Vite). */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const url = new URL(req.url ?? "/", `http://${req.headers.host ?? "localhost"}`);
    try {
      if (url.pathname === "/desk/config.json") {
        return send(res, 200, {
          region: "us-east-1",
          cognito: {
            endpoint: `${url.origin}/dev/cognito/`,
            userPoolId: "local_mockpool",
            clientId: "mock-desk-client",
          },
          apiBase: "/desk/api",
          pollMs: this.pollMs,
          locale: "auto",
        });
      }
      if (url.pathname === "/dev/cognito/" && req.method === "POST") {
        return send(res, 200, this.cognito(String(req.headers["x-amz-target"] ?? ""), await readJson(req)));
      }
      if (url.pathname.startsWith("/dev/s3/") && req.method === "PUT") {
        this.receiveUpload(url.pathname.slice("/dev/s3/".length), await readBody(req));
        res.writeHead(200).end();
        return true;
      }
      if (url.pathname === "/dev/mock/customer-message" && req.method === "POST") {
        const body = (await readJson(req)) as { text?: string; ticketId?: string };
        return send(res, 200, {
          ticketId: this.customerWrites(body.text ?? "你好，还在吗？", body.ticketId),
        });
      }
      if (url.pathname.startsWith("/desk/api/")) {
        const user = this.authenticate(req);
        const body = req.method === "GET" ? {} : await readJson(req);
        const result = this.route(
          req.method ?? "GET",
          url.pathname.slice("/desk/api".length),
          url.searchParams,
          body,
          user,
          url.origin,
        );
        return result instanceof WithStatus ? send(res, result.status, result.body) : send(res, 200, result);
      }
      return false;
    } catch (error) {
      if (error instanceof HttpError) {
        const body = url.pathname.startsWith("/dev/cognito")
          ? { __type: error.code, message: error.message }
          : { error: error.code, message: error.message, messageZh: error.messageZh };
        return send(res, error.status, body);
      }
      throw error;
    }
  }

  // ---------- Cognito ----------

  private cognito(target: string, body: Record<string, unknown>): unknown {
    const action = target.split(".").pop();
    const params = (body.AuthParameters ?? body.ChallengeResponses ?? {}) as Record<string, string>;
    const refused = () => new HttpError(400, "NotAuthorizedException", "Incorrect username or password.", "");
    if (action === "InitiateAuth" && body.AuthFlow === "USER_PASSWORD_AUTH") {
      const agent = this.agents.get(params.USERNAME ?? "");
      if (
        !agent ||
        params.PASSWORD !==
          (agent.password === "temporary" ? `${this.password}-temp` : (agent.password ?? this.password))
      )
        throw refused();
      if (agent.password === "temporary") {
        const session = randomBytes(16).toString("hex");
        this.challenges.set(session, agent.id);
        return { ChallengeName: "NEW_PASSWORD_REQUIRED", Session: session, ChallengeParameters: {} };
      }
      return { AuthenticationResult: this.tokens(agent.id, true) };
    }
    if (action === "InitiateAuth" && body.AuthFlow === "REFRESH_TOKEN_AUTH") {
      const id = this.refreshTokens.get(params.REFRESH_TOKEN ?? "");
      if (!id) throw new HttpError(400, "NotAuthorizedException", "Invalid Refresh Token", "");
      this.refreshes++;
      return { AuthenticationResult: this.tokens(id, false) };
    }
    if (action === "RespondToAuthChallenge" && body.ChallengeName === "NEW_PASSWORD_REQUIRED") {
      const id = this.challenges.get(String(body.Session));
      const agent = id ? this.agents.get(id) : undefined;
      if (!agent) throw new HttpError(400, "NotAuthorizedException", "Invalid session for the user.", "");
      const password = params.NEW_PASSWORD ?? "";
      if (password.length < 8 || !/\d/.test(password)) {
        throw new HttpError(
          400,
          "InvalidPasswordException",
          "Password must have at least 8 characters and a number.",
          "",
        );
      }
      agent.password = password;
      this.challenges.delete(String(body.Session));
      return { AuthenticationResult: this.tokens(agent.id, true) };
    }
    throw new HttpError(400, "InvalidParameterException", `unsupported ${action}`, "");
  }

  private tokens(agentId: string, withRefresh: boolean) {
    const agent = this.agents.get(agentId);
    const nowSec = Math.floor(this.now() / 1000);
    const claims = {
      sub: agentId,
      "cognito:username": agentId,
      "cognito:groups": agent?.groups ?? [],
      token_use: "id",
      iat: nowSec,
      exp: nowSec + this.tokenTtlSec,
    };
    const refresh = randomBytes(24).toString("hex");
    if (withRefresh) this.refreshTokens.set(refresh, agentId);
    return {
      IdToken: this.sign(claims),
      ExpiresIn: this.tokenTtlSec,
      TokenType: "Bearer",
      ...(withRefresh ? { RefreshToken: refresh } : {}),
    };
  }

  private sign(claims: object): string {
    const head = Buffer.from(JSON.stringify({ alg: "HS256", typ: "JWT" })).toString("base64url");
    const body = Buffer.from(JSON.stringify(claims)).toString("base64url");
    const mac = createHmac("sha256", this.secret).update(`${head}.${body}`).digest("base64url");
    return `${head}.${body}.${mac}`;
  }

  private authenticate(req: IncomingMessage): Agent {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1] ?? "";
    const [head, body, mac] = token.split(".");
    const unauthenticated = new HttpError(401, "unauthenticated", "Sign in again.", "请重新登录。");
    if (!head || !body || !mac) throw unauthenticated;
    const expected = createHmac("sha256", this.secret).update(`${head}.${body}`).digest("base64url");
    if (expected !== mac) throw unauthenticated;
    const claims = JSON.parse(Buffer.from(body, "base64url").toString()) as {
      exp: number;
      "cognito:username": string;
    };
    if (claims.exp * 1000 <= this.now()) throw unauthenticated;
    const agent = this.agents.get(claims["cognito:username"]);
    if (!agent) throw unauthenticated;
    return agent;
  }

  // ---------- the API ----------

  private route(
    method: string,
    path: string,
    query: URLSearchParams,
    body: Record<string, unknown>,
    me: Agent,
    origin: string,
  ): unknown {
    const is = (group: string) => me.groups.includes(group);
    const need = (ok: boolean) => {
      if (!ok)
        throw new HttpError(403, "forbidden", "Your role does not allow this.", "您的角色无权执行此操作。");
    };
    const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
    const key = `${method} /${parts.map((p, i) => (i === 1 && ["tickets", "changes", "agents", "imports", "versions"].includes(parts[0] ?? "") ? ":id" : p)).join("/")}`;
    const id = parts[1] ?? "";
    const supervisor = is("supervisor") || is("admin");
    if (parts[0] === "insights" && parts[1] === "suggestions") {
      need(supervisor);
      return this.suggestionAction(method, parts[2], parts[3], body, me);
    }
    switch (key.replace(/^(\w+) \/faq\/(imports|versions)\/[^/]+/, "$1 /faq/$2/:id")) {
      case "GET /me":
        return this.me(me);
      case "POST /me/sign-in":
        // As the desk API: an agent signs in to take chats (online); others keep their status.
        if (is("agent")) me.status = "online";
        return this.me(me);
      case "PUT /me/status":
        me.status = body.status === "away" ? "away" : "online";
        return this.agentView(me);
      case "GET /skills":
        // The contract's shape (docs/desk-api.md): the skill groups with their labels.
        return { skills: SKILLS.map((id) => ({ id, label: id, labelZh: id })) };
      case "GET /tickets":
        return { tickets: this.list(query, me) };
      case "GET /tickets/:id":
        return this.detail(this.ticket(id), me);
      case "POST /tickets/:id/read": {
        const ticket = this.ticket(id);
        ticket.readBy.set(me.id, ticket.transcript.filter((t) => t.role === "customer").length);
        return { unread: 0 };
      }
      case "POST /tickets/:id/reply":
        return this.reply(
          this.ticket(id),
          me,
          String(body.text ?? ""),
          body.suggestionId as string | undefined,
        );
      case "POST /tickets/:id/notes": {
        const turn: Turn = { role: "note", text: String(body.text ?? ""), at: this.iso(), agent: me.id };
        this.ticket(id).transcript.push(turn);
        return { turn };
      }
      case "POST /tickets/:id/claim": {
        const ticket = this.ticket(id);
        if (ticket.summary.assignee && ticket.summary.assignee !== me.id) {
          throw new HttpError(
            409,
            "already_claimed",
            "Another agent holds this ticket.",
            "该工单已被其他坐席领取。",
          );
        }
        this.assign(ticket, me.id);
        return this.summary(ticket, me);
      }
      case "POST /tickets/:id/assign": {
        need(supervisor);
        const ticket = this.ticket(id);
        this.assign(ticket, String(body.agentId));
        return this.summary(ticket, me);
      }
      case "POST /tickets/:id/transfer": {
        const ticket = this.ticket(id);
        ticket.summary.skills = [String(body.skill)];
        ticket.summary.assignee = undefined;
        ticket.summary.status = "open";
        ticket.transcript.push({ role: "system", text: `${me.id} → ${String(body.skill)}`, at: this.iso() });
        return this.summary(ticket, me);
      }
      case "POST /tickets/:id/resolve": {
        const ticket = this.ticket(id);
        this.resolve(ticket, me.id);
        return this.summary(ticket, me);
      }
      case "POST /tickets/:id/reopen": {
        const ticket = this.ticket(id);
        ticket.summary.status = "assigned";
        ticket.summary.assignee = me.id;
        ticket.reopenedAt = this.iso();
        ticket.transcript.push({ role: "system", text: `reopened by ${me.id}`, at: this.iso() });
        return this.summary(ticket, me);
      }
      case "POST /tickets/:id/reveal": {
        need(is("pii") || supervisor);
        const ticket = this.ticket(id);
        this.audit.push({ who: me.id, at: this.iso(), ticketId: id, field: "customer" });
        return { value: ticket.real };
      }
      case "GET /tickets/:id/suggestions": {
        const ticket = this.ticket(id);
        const suggestions: Suggestion[] = ticket.candidates.map((c) => ({
          id: `faq:${c.faqId}`,
          kind: "faq",
          faqId: c.faqId,
          text: c.answer,
          score: c.score,
        }));
        return { suggestions };
      }
      case "GET /faq/search":
        return { hits: this.search(query.get("q") ?? "") };
      case "POST /tickets/:id/teach":
        return this.teach(this.ticket(id), me, body);
      case "GET /changes":
        return {
          changes: this.changes
            .filter(
              (c) =>
                (supervisor || c.author === me.id) &&
                (!query.get("status") || c.status === query.get("status")),
            )
            .toReversed(),
        };
      case "POST /changes/:id/approve":
        need(supervisor);
        return this.approve(this.change(id), me);
      case "POST /changes/:id/reject": {
        need(supervisor);
        const change = this.change(id);
        Object.assign(change, {
          status: "rejected",
          decidedBy: me.id,
          decidedAt: this.iso(),
          note: body.note as string | undefined,
        });
        return change;
      }
      case "GET /agents":
        need(supervisor);
        return { agents: [...this.agents.values()].map((a) => this.agentView(a)) };
      case "PUT /agents/:id": {
        need(supervisor);
        const agent = this.agents.get(id);
        if (!agent) throw notFound();
        // As the API: changing someone's Cognito groups is an admin's, and nothing is saved otherwise.
        if (Array.isArray(body.groups)) need(is("admin"));
        if (Array.isArray(body.skills)) agent.skills = body.skills.map(String);
        if (typeof body.maxConcurrent === "number") agent.maxConcurrent = body.maxConcurrent;
        if (Array.isArray(body.groups)) agent.groups = body.groups.map(String) as typeof agent.groups;
        return this.agentView(agent);
      }
      case "POST /faq/uploads": {
        need(is("admin"));
        const name = `${new Date(this.now()).toISOString().replace(/[:.]/g, "-")}-${String(body.fileName ?? "faq.csv").replace(/[^\w.-]/g, "_")}`;
        return {
          url: `${origin}/dev/s3/uploads/${name}`,
          key: `uploads/${name}`,
          headers: { "Content-Type": "application/octet-stream" },
          name,
        };
      }
      case "GET /faq/imports":
        need(is("admin"));
        return { imports: this.imports.toReversed() };
      case "GET /faq/imports/:id": {
        need(is("admin"));
        const name = path.split("/").pop() ?? "";
        const report = this.imports.find((r) => r.upload === decodeURIComponent(name));
        if (!report) throw notFound();
        return report;
      }
      case "GET /faq/versions":
        need(is("admin"));
        return { current: this.currentVersion, versions: this.versions.toReversed() };
      case "POST /faq/versions/:id/restore": {
        need(is("admin"));
        const version = decodeURIComponent(path.split("/")[3] ?? "");
        if (!this.versions.some((v) => v.version === version)) throw notFound();
        this.currentVersion = version;
        return { requested: true };
      }
      case "GET /reports":
        need(supervisor);
        return this.report(query);
      case "GET /quality/reviews":
        need(supervisor);
        return this.qaReviews(query);
      case "GET /quality/report":
        need(supervisor);
        return this.qualityReport(query);
      default:
        throw notFound();
    }
  }

  /**
   * GET /quality/reviews as the real route answers it with the heuristic grader (npm start's): three of
   * the seed tickets graded, one review failed; lowest score first unless `sort=recent`.
   */
  private qaReviews(query: URLSearchParams): QaReviews {
    // The heuristic's reasons are codes with their figures (shared/core/quality/review-heuristic.ts).
    const dims = (e: number, r: number, a: number) => ({
      empathy: {
        score: e,
        reasonCodes: [
          e > 2
            ? { code: "courtesy_markers" as const, markers: ["apology" as const, "polite" as const] }
            : { code: "no_courtesy_markers" as const },
        ],
      },
      resolution: {
        score: r,
        reasonCodes:
          r > 2
            ? [{ code: "customer_rating" as const, csat: 5 }]
            : [{ code: "no_customer_rating" as const }, { code: "last_message_unanswered" as const }],
      },
      accuracy: {
        score: a,
        reasonCodes: [{ code: "faq_overlap" as const, faqId: "FAQ-0003", percent: a * 15 }],
      },
    });
    const grader = { kind: "heuristic" as const, name: "heuristic-v1" };
    const reviews: QaReview[] = [...this.tickets.values()].slice(0, 3).map((ticket, i) => {
      const at = new Date(this.now() - (i + 1) * 3_600_000).toISOString();
      const base = {
        ticketId: ticket.summary.ticketId,
        channel: ticket.summary.channel,
        agent: ticket.summary.assignee ?? "agent",
        resolvedAt: at,
        reviewedAt: at,
        grader,
        faqIds: ticket.candidates.map((c) => c.faqId).slice(0, 1),
      };
      if (i === 2)
        return {
          ...base,
          status: "failed",
          failure: { code: "malformed_output", reason: "no record_review call" },
        };
      const scores = i === 0 ? dims(1, 2, 1) : dims(4, 5, 5);
      const overall = i === 0 ? 1.4 : 4.8;
      return { ...base, status: "scored", overall, scores };
    });
    const byScore = (r: QaReview) => (r.status === "scored" ? r.overall : Number.POSITIVE_INFINITY);
    reviews.sort((a, b) =>
      query.get("sort") === "recent" ? b.resolvedAt.localeCompare(a.resolvedAt) : byScore(a) - byScore(b),
    );
    return { grader: "heuristic", reviews };
  }

  /**
   * GET /quality/report as the real route answers it: the last `since` days (7d by default, up to 92d),
   * every message the seed counters sent inspected and sent as written.
   */
  private qualityReport(query: URLSearchParams): QualityReport {
    const days = Number.parseInt(/^(\d{1,2})d$/.exec(query.get("since") || "7d")?.[1] ?? "0", 10);
    if (!(days >= 1 && days <= 92)) {
      throw new HttpError(422, "validation_failed", "since: between 1d and 92d", "since：1d 至 92d。");
    }
    const until = new Date(this.now()).toISOString().slice(0, 10);
    const since = new Date(Date.parse(`${until}T00:00:00Z`) - (days - 1) * 86_400_000)
      .toISOString()
      .slice(0, 10);
    const { sent, agentReplies } = seedReport(this.counters, { since, until });
    const total = Number(query.get("sent") ?? sent);
    return {
      since,
      until,
      inspected: { total, bot: total - agentReplies, agent: agentReplies, passed: total },
      ...(total > 0 ? { shareInspected: 1 } : {}),
      decisions: { sent: total, blocked: 0, sent_with_reason: 0, rephrased: 0 },
      byRule: [],
      byAgent:
        agentReplies > 0
          ? [
              {
                agent: "agent",
                inspected: agentReplies,
                withFindings: 0,
                blocked: 0,
                sentWithReason: 0,
                rephrased: 0,
              },
            ]
          : [],
    };
  }

  /** GET /reports as the real route answers it: UTC days, at most 92 of them, an optional channel. */
  private report(query: URLSearchParams) {
    this.reportQueries.push(query.toString());
    const today = new Date(this.now()).toISOString().slice(0, 10);
    const until = query.get("until") || today;
    const since =
      query.get("since") ||
      new Date(Date.parse(`${until}T00:00:00Z`) - 6 * 86_400_000).toISOString().slice(0, 10);
    const channel = query.get("channel") || undefined;
    const days = (Date.parse(`${until}T00:00:00Z`) - Date.parse(`${since}T00:00:00Z`)) / 86_400_000 + 1;
    if (!(days >= 1 && days <= 92)) {
      throw new HttpError(
        422,
        "validation_failed",
        "The desk reports 1 to 92 days at a time.",
        "每次可查询 1 至 92 天的数据。",
      );
    }
    // The top unanswered topics: the seed suggestions last asked in the range, as the real route lists them.
    const topUnanswered = this.suggestions
      // Picks are answered questions, not unanswered ones.
      .filter((x) => !x.picked)
      .filter((x) => x.lastAt.slice(0, 10) >= since && x.firstAt.slice(0, 10) <= until)
      .sort((a, b) => b.count - a.count)
      .slice(0, 10)
      .map((x) => ({
        question: x.representative,
        count: x.count,
        closestFaqId: x.closest[0]?.faqId ?? null,
      }));
    return {
      ...seedReport(this.counters, { since, until, ...(channel ? { channel } : {}) }),
      topUnanswered,
    };
  }

  private me(agent: Agent) {
    const { openTickets: _, ...me } = this.agentView(agent);
    return me;
  }

  private agentView(agent: Agent & { password?: string }): Agent {
    const { password: _, ...view } = agent;
    const openTickets = [...this.tickets.values()].filter(
      (t) => t.summary.assignee === agent.id && t.summary.status !== "resolved",
    ).length;
    return { ...view, openTickets };
  }

  private ticket(id: string): MockTicket {
    const ticket = this.tickets.get(id);
    if (!ticket) throw notFound();
    return ticket;
  }

  private change(id: string): PendingChange {
    const change = this.changes.find((c) => c.id === id);
    if (!change) throw notFound();
    return change;
  }

  private summary(ticket: MockTicket, me: Agent): TicketSummary {
    const customerTurns = ticket.transcript.filter((t) => t.role === "customer").length;
    this.refreshSla(ticket);
    return {
      ...ticket.summary,
      sla: { ...ticket.summary.sla },
      unread: Math.max(0, customerTurns - (ticket.readBy.get(me.id) ?? 0)),
    };
  }

  private refreshSla(ticket: MockTicket): void {
    const { sla, status } = ticket.summary;
    if (status === "resolved") return;
    const now = this.now();
    if (
      !sla.firstRespondedAt &&
      sla.firstResponseDueAt &&
      Date.parse(sla.firstResponseDueAt) < now &&
      !sla.breached.includes("first_response")
    )
      sla.breached.push("first_response");
    if (sla.resolutionDueAt && Date.parse(sla.resolutionDueAt) < now && !sla.breached.includes("resolution"))
      sla.breached.push("resolution");
  }

  private detail(ticket: MockTicket, me: Agent): TicketDetail {
    return {
      ...this.summary(ticket, me),
      detail: ticket.detail,
      transcript: ticket.transcript,
      candidates: ticket.candidates,
      customer: { display: ticket.summary.customer.display, channelId: ticket.channelId, revealable: true },
      earlierTickets: [...this.tickets.values()]
        .filter(
          (t) =>
            t !== ticket &&
            t.summary.channel === ticket.summary.channel &&
            t.summary.language === ticket.summary.language &&
            t.summary.status === "resolved",
        )
        .map((t) => ({
          ticketId: t.summary.ticketId,
          status: t.summary.status,
          reason: t.summary.reason,
          createdAt: t.summary.createdAt,
        })),
      constraints: constraintsFor(ticket.summary.channel, ticket.windowEndsAt, ticket.optedOut),
      csat: ticket.csat,
      resolvedAt: ticket.resolvedAt,
      reopenedAt: ticket.reopenedAt,
    };
  }

  private list(query: URLSearchParams, me: Agent): TicketSummary[] {
    const view = query.get("view") ?? "open";
    const now = this.now();
    return [...this.tickets.values()]
      .map((t) => this.summary(t, me))
      .filter((t) => {
        if (query.get("status") ? t.status !== query.get("status") : t.status === "resolved") return false;
        if (view === "mine" && t.assignee !== me.id) return false;
        if (view === "unassigned" && t.status !== "open") return false;
        if (view === "breaching" && t.sla.breached.length === 0) return false;
        for (const name of ["channel", "priority", "language"] as const) {
          const wanted = query.get(name);
          if (wanted && t[name] !== wanted) return false;
        }
        const skill = query.get("skill");
        return !skill || t.skills.includes(skill);
      })
      .sort((a, b) => PRIORITY_RANK[a.priority] - PRIORITY_RANK[b.priority] || due(a, now) - due(b, now));
  }

  private reply(ticket: MockTicket, me: Agent, text: string, suggestionId: string | undefined) {
    if (ticket.summary.status === "resolved") {
      throw new HttpError(
        409,
        "ticket_resolved",
        "This ticket is resolved; reopen it to reply.",
        "该工单已解决，请重新打开后再回复。",
      );
    }
    const constraints = constraintsFor(ticket.summary.channel, ticket.windowEndsAt, ticket.optedOut);
    const budget = replyBudget(text, constraints, this.now());
    if (budget.blocked === "window_closed" || budget.blocked === "opted_out") {
      throw new HttpError(
        422,
        "channel_closed",
        "The customer's channel does not accept a reply now.",
        "客户的渠道当前不接受回复。",
      );
    }
    if (text.trim() === "" || budget.blocked === "too_long") {
      throw new HttpError(
        422,
        "validation_failed",
        "The reply is empty or too long for the channel.",
        "回复为空或超出渠道长度。",
      );
    }
    const suggestion = suggestionId
      ? ticket.candidates.find((c) => `faq:${c.faqId}` === suggestionId)
      : undefined;
    const turn: Turn = {
      role: "agent",
      text,
      at: this.iso(),
      agent: me.id,
      ...(suggestion
        ? { suggestion: { kind: "faq" as const, id: suggestionId, edited: suggestion.answer !== text } }
        : {}),
    };
    const unanswered = this.unanswered.delete(ticket.summary.ticketId);
    if (unanswered) turn.delivery = "unknown";
    ticket.transcript.push(turn);
    if (ticket.summary.status === "open") this.assign(ticket, me.id);
    ticket.summary.sla.firstRespondedAt ??= turn.at;
    ticket.summary.updatedAt = turn.at;
    const parts = budget.kind === "sms" ? budget.segments : budget.kind === "email" ? 1 : budget.parts;
    return unanswered
      ? new WithStatus(202, { turn, parts, delivery: "unknown", unknownPart: 0 })
      : { turn, parts };
  }

  private assign(ticket: MockTicket, agentId: string): void {
    if (!this.agents.has(agentId)) throw notFound();
    ticket.summary.assignee = agentId;
    ticket.summary.status = "assigned";
    ticket.summary.updatedAt = this.iso();
  }

  private resolve(ticket: MockTicket, by: string): void {
    const at = this.iso();
    ticket.summary.status = "resolved";
    ticket.summary.updatedAt = at;
    ticket.resolvedAt = at;
    ticket.transcript.push({ role: "system", text: `resolved by ${by}`, at });
    const zh = ticket.summary.language === "zh";
    ticket.transcript.push({
      role: "bot",
      text: zh
        ? "请为本次服务打分：回复 1-5（5 为非常满意），也可以附上您的意见。"
        : "How did we do? Reply with a score from 1 to 5 (5 = very satisfied), and a comment if you like.",
      at,
    });
  }

  private search(q: string): FaqHit[] {
    const needle = q.trim().toLowerCase();
    if (!needle) return [];
    const grams = (s: string) => {
      const chars = [...s.toLowerCase().replace(/\s+/g, " ")];
      return new Set(chars.slice(0, -1).map((c, i) => c + chars[i + 1]));
    };
    const wanted = grams(needle);
    return this.faq
      .map((entry) => {
        const have = grams([entry.id, entry.question, entry.answer, ...entry.phrasings].join(" "));
        const overlap = [...wanted].filter((g) => have.has(g)).length / Math.max(1, wanted.size);
        return {
          id: entry.id,
          question: entry.question,
          answer: entry.answer,
          category: entry.category,
          score: Math.round(overlap * 100) / 100,
        };
      })
      .filter((hit) => hit.score > 0.2)
      .sort((a, b) => b.score - a.score)
      .slice(0, 10);
  }

  /**
   * The learning suggestions (issue 13): list, teach as phrasings (one change), draft an entry, propose
   * as out of scope (one change), dismiss.
   */
  private suggestionAction(
    method: string,
    id: string | undefined,
    action: string | undefined,
    body: Record<string, unknown>,
    me: Agent,
  ): unknown {
    if (method === "GET" && id === undefined) return { suggestions: this.suggestions, askedOnce: 0 };
    const found = this.suggestions.find((s) => s.id === id);
    if (method !== "POST" || !found)
      throw new HttpError(
        404,
        "not_found",
        "No such suggestion (it may have been handled).",
        "没有这个建议（可能已处理）。",
      );
    const base = {
      id: `chg-${this.changes.length + 1}`,
      status: "pending" as const,
      author: me.id,
      createdAt: this.iso(),
      suggestionId: found.id,
      ticketId: found.ticketIds[0],
    };
    // The wordings a request names, each one of the suggestion's examples (all of them when none is named).
    const chosen = () => {
      const texts = Array.isArray(body.texts) ? body.texts.map(String) : found.examples;
      if (texts.length === 0 || texts.some((t) => !found.examples.includes(t))) throw invalid();
      return texts;
    };
    let change: PendingChange | undefined;
    let decided: string[] | undefined;
    if (action === "phrasings") {
      decided = chosen();
      if (!this.faq.some((e) => e.id === body.faqId)) throw invalid();
      change = { ...base, kind: "phrasing", faqId: String(body.faqId), text: decided[0], texts: decided };
    } else if (action === "entry") {
      if (!String(body.question ?? "").trim() || !String(body.answer ?? "").trim()) throw invalid();
      change = { ...base, kind: "entry", question: String(body.question), answer: String(body.answer) };
    } else if (action === "out-of-scope") {
      decided = chosen();
      change = { ...base, kind: "out_of_scope", text: decided[0], texts: decided };
    } else if (action !== "dismiss") throw invalid();
    this.handled(found, decided);
    if (!change) return { dismissed: found.id, tickets: found.ticketIds.length };
    this.changes.push(change);
    return { changes: [change] };
  }

  /**
   * A decided suggestion leaves the list, except a suggestion of picks decided on some of its wordings:
   * the picks of the others stay, in a smaller suggestion (routes/suggestions.ts, markHandled).
   */
  private handled(s: LearningSuggestion, wordings: string[] | undefined): void {
    const picks = this.picks.get(s.id);
    for (const wording of wordings ?? s.examples) picks?.delete(wording);
    if (!picks || picks.size === 0) {
      this.suggestions.splice(this.suggestions.indexOf(s), 1);
      return;
    }
    // Most picked first (a stable sort keeps the first picked first among equals), as pickSuggestions orders them.
    const examples = [...picks.entries()].sort((a, b) => b[1] - a[1]).map(([wording]) => wording);
    const count = [...picks.values()].reduce((sum, n) => sum + n, 0);
    Object.assign(s, { representative: examples[0], examples, count, reasons: { picked: count } });
  }

  private teach(ticket: MockTicket, me: Agent, body: Record<string, unknown>): PendingChange {
    const base = {
      id: `chg-${this.changes.length + 1}`,
      status: "pending" as const,
      ticketId: ticket.summary.ticketId,
      author: me.id,
      createdAt: this.iso(),
    };
    let change: PendingChange;
    if (body.kind === "phrasing") {
      if (!this.faq.some((e) => e.id === body.faqId) || !String(body.text ?? "").trim()) throw invalid();
      change = { ...base, kind: "phrasing", faqId: String(body.faqId), text: String(body.text) };
    } else if (body.kind === "out_of_scope") {
      if (!String(body.text ?? "").trim()) throw invalid();
      change = { ...base, kind: "out_of_scope", text: String(body.text).trim() };
    } else if (body.kind === "entry") {
      if (!String(body.question ?? "").trim() || !String(body.answer ?? "").trim()) throw invalid();
      change = {
        ...base,
        kind: "entry",
        question: String(body.question),
        answer: String(body.answer),
        category: body.category as string | undefined,
      };
    } else throw invalid();
    this.changes.push(change);
    return change;
  }

  private approve(change: PendingChange, me: Agent): PendingChange {
    if (change.status !== "pending")
      throw new HttpError(409, "version_mismatch", "Already decided.", "已被处理。");
    if (change.kind === "phrasing")
      this.faq.find((e) => e.id === change.faqId)?.phrasings.push(change.text ?? "");
    // Out-of-scope wordings are a row of their own in the knowledge base, never an entry to search.
    else if (change.kind === "out_of_scope") this.outOfScope.push(...(change.texts ?? [change.text ?? ""]));
    else {
      const id = `FAQ-${String(this.faq.length + 1).padStart(4, "0")}`;
      this.faq.push({
        id,
        question: change.question ?? "",
        answer: change.answer ?? "",
        category: change.category ?? "",
        phrasings: [],
      });
    }
    const version = this.publish();
    Object.assign(change, {
      status: "approved",
      decidedBy: me.id,
      decidedAt: this.iso(),
      report: {
        upload: `change:${change.id}`,
        version,
        status: "applied",
        // One row: a new entry, or an entry with one more phrasing.
        counts: {
          total: 1,
          inserted: change.kind === "phrasing" ? 0 : 1,
          updated: change.kind === "phrasing" ? 1 : 0,
        },
        rejected: [],
        at: this.iso(),
      },
    });
    return change;
  }

  private publish(): string {
    const version = `v${this.versions.length + 1}`;
    this.versions.push({ version, at: this.iso(), entries: this.faq.length });
    this.currentVersion = version;
    return version;
  }

  /**
   * The import function's part: a CSV with question,answer[,category] rows; rows missing either are
   * refused, a file whose header lacks those columns is refused whole, and a file with no rows is empty.
   */
  private receiveUpload(key: string, body: Buffer): void {
    const name = key.split("/").pop() ?? key;
    const lines = body
      .toString("utf8")
      .split(/\r?\n/)
      .filter((line) => line.trim() !== "");
    const header = (lines[0] ?? "").split(",").map((cell) => cell.trim());
    if (lines.length > 0 && !(header.includes("question") && header.includes("answer"))) {
      this.finishImport({
        upload: name,
        status: "failed",
        counts: { total: 0 },
        rejected: [],
        error: {
          code: "missing_columns",
          message: `缺少列：question、answer（找到的是：${header.join("、")}）。第一行须为列名，例如：编号、问题、答案。`,
        },
        at: this.iso(),
      });
      return;
    }
    if (lines.length <= 1) {
      this.finishImport({
        upload: name,
        status: "empty",
        counts: { total: 0 },
        rejected: [],
        warning: { code: "no_rows", message: "文件中没有任何数据行（为空或只有表头），知识库未做任何修改。" },
        at: this.iso(),
      });
      return;
    }
    const rejected: ImportReportSummary["rejected"] = [];
    let imported = 0;
    lines.slice(1).forEach((line, index) => {
      const [question = "", answer = ""] = line.split(",");
      if (!question.trim())
        rejected.push({
          row: index + 2,
          field: "question",
          code: "empty_field",
          message: "question is empty",
        });
      else if (!answer.trim())
        rejected.push({ row: index + 2, field: "answer", code: "empty_field", message: "answer is empty" });
      else imported++;
    });
    setTimeout(() => {
      const version = imported > 0 ? this.publish() : undefined;
      this.imports.push({
        upload: name,
        version,
        status: imported === 0 ? "rejected" : rejected.length > 0 ? "partial" : "applied",
        counts: { total: lines.length - 1, inserted: imported, rejected: rejected.length },
        rejected,
        at: this.iso(),
      });
    }, this.importDelayMs).unref();
  }

  /** A report that changes nothing, after the import function's delay. */
  private finishImport(report: ImportReportSummary): void {
    setTimeout(() => this.imports.push(report), this.importDelayMs).unref();
  }

  private iso(): string {
    return new Date(this.now()).toISOString();
  }
}

function due(ticket: TicketSummary, now: number): number {
  const at = !ticket.sla.firstRespondedAt ? ticket.sla.firstResponseDueAt : ticket.sla.resolutionDueAt;
  return at ? Date.parse(at) : now + 365 * 86_400_000;
}

function notFound(): HttpError {
  return new HttpError(404, "not_found", "Not found.", "未找到。");
}

function invalid(): HttpError {
  return new HttpError(
    422,
    "validation_failed",
    "Some fields are missing or invalid.",
    "部分字段缺失或无效。",
  );
}

function send(res: ServerResponse, status: number, body: unknown): true {
  res.writeHead(status, { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store" });
  res.end(JSON.stringify(body));
  return true;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const raw = (await readBody(req)).toString("utf8");
  if (!raw) return {};
  try {
    return JSON.parse(raw) as Record<string, unknown>;
  } catch {
    throw invalid();
  }
}
