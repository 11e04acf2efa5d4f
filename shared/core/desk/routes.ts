/**
 * The desk's own addresses, in one place: the single-page app routes by path under its base
 * (`/desk/tickets/KF-…`, served as the app's index), and whatever links to a ticket from outside (the
 * agents' alerts) must use the same route or it lands on the queue.
 */

/** The ticket page's route pattern inside the desk (react-router). */
export const DESK_TICKET_ROUTE = "/tickets/:ticketId";

/** The ticket page's path inside the desk, e.g. `/tickets/KF-12345678`. */
export function deskTicketPath(ticketId: string): string {
  return `/tickets/${encodeURIComponent(ticketId)}`;
}

/** The ticket page's full address under the desk's base URL (`https://…/desk/` → `https://…/desk/tickets/<id>`). */
export function deskTicketUrl(deskUrl: string, ticketId: string): string {
  // No regex: a trailing-slash pattern backtracks on a long run of slashes (backtracking.test.ts).
  const base = deskUrl.endsWith("/") ? deskUrl.slice(0, -1) : deskUrl;
  return `${base}${deskTicketPath(ticketId)}`;
}

/**
 * The desk's start-up configuration (`/desk/config.json`, not part of the API): written by the stack
 * (infra/constructs/desk.ts) or the local stack (local/desk.ts), read by the web app before sign-in.
 */
export interface DeskClientConfig {
  region: string;
  cognito: { endpoint: string; userPoolId: string; clientId: string };
  apiBase: string;
  pollMs: number;
  locale: "zh" | "en" | "auto";
}
