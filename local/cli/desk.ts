/**
 * `npm run desk -- <list | show ID | reply ID "text" | resolve ID> [--agent ID]`: the agents' side of a
 * hand-off, with what the desk does after a reply or a resolve (shared/core/desk/actions.ts).
 * Against the running `npm start` (its env file), or against AWS with the stack's environment (table
 * names, KEFU_SECRET_ARN for the channel credentials) exported in the shell.
 */

import { loadDeskConfig } from "../../shared/config/load-desk";
import { replyFromAgent, resolveAsAgent } from "../../shared/core/desk/actions";
import { ReplyBlockedError } from "../../shared/core/desk/desk";
import { normalizeTicketId, type TicketStatus } from "../../shared/core/ticket";
import { FAQ_BUCKET } from "../../shared/resources";
import { wireDesk } from "../desk-wiring";
import { portSetting, quietLibraries, shellEnv } from "../env";
import { NoLocalStackError, readLocalEnv } from "../state";
import { blockedReplyText } from "./desk-findings";

quietLibraries();

const STATUSES: readonly TicketStatus[] = ["open", "assigned", "resolved"];
const COMMANDS: [string, string][] = [
  [`list [${STATUSES.join("|")}]`, "the tickets with that status (default open)"],
  ["show ID", "one ticket: reason, transcript, the FAQ candidates the bot considered"],
  ['reply ID "text" [--reason "why"]', "answer the customer through the channel they wrote on"],
  ["resolve ID", "close the ticket: the customer is asked to rate the help, the bot answers again"],
];
/** Who replies and resolves from the shell unless `--agent` says, in the transcript and the reports. */
const DEFAULT_AGENT = "cli";
const OPTIONS: [string, string][] = [
  ["--agent ID", `the agent replying or resolving (default "${DEFAULT_AGENT}")`],
  ['--reason "why"', "send a reply a blocking quality rule stopped, with the reason kept"],
];
/** The descriptions' column: two spaces past the longest command, so none runs into its text. */
const COLUMN = Math.max(...[...COMMANDS, ...OPTIONS].map(([command]) => command.length)) + 2;
const USAGE = `usage: npm run desk -- <command> [--agent ID]
${[...COMMANDS, ...OPTIONS].map(([command, what]) => `  ${command.padEnd(COLUMN)}${what}`).join("\n")}
Ticket ids are not case-sensitive (kf-abc12345 = KF-ABC12345). Against the running \`npm start\` (the one
on KEFU_PORT if set, else the one started last), or against AWS with the stack's environment exported.`;

/** Exit codes: 0 done, 1 failed (no such ticket, AWS, the channel), 2 the command line is wrong. */
async function main(argv: string[]): Promise<number> {
  const agentFlag = argv.indexOf("--agent");
  const agent = agentFlag >= 0 ? argv[agentFlag + 1] : DEFAULT_AGENT;
  if (!agent || agent.startsWith("-")) return fail(`--agent needs an agent id\n\n${USAGE}`);
  const reasonFlag = argv.indexOf("--reason");
  const reason = reasonFlag >= 0 ? argv[reasonFlag + 1]?.trim() : undefined;
  if (reasonFlag >= 0 && (!reason || reason.startsWith("-")))
    return fail(`--reason needs a reason\n\n${USAGE}`);
  // Each flag given and its value; neither is a command's argument.
  const flags = new Set([agentFlag, reasonFlag].filter((i) => i >= 0).flatMap((i) => [i, i + 1]));
  const args = argv.filter((_, i) => !flags.has(i));
  const [command, rawId, ...rest] = args;
  if (command === "help" || command === "--help" || command === "-h") {
    console.log(USAGE);
    return 0;
  }
  if (!command) return fail(USAGE);
  if (command === "list" && (rest.length > 0 || (rawId && !STATUSES.includes(rawId as TicketStatus)))) {
    return fail(`unknown status "${[rawId, ...rest].join(" ")}"\n\n${USAGE}`);
  }
  if (command !== "list" && !["show", "reply", "resolve"].includes(command)) {
    return fail(`unknown command "${command}"\n\n${USAGE}`);
  }
  if (command !== "list" && !rawId) return fail(`${command} needs a ticket id\n\n${USAGE}`);
  const id = rawId ? normalizeTicketId(rawId) : undefined;

  const config = loadDeskConfig({ ...shellEnv(), ...(await localEnvIfAny()) });
  const deps = wireDesk(config);
  const { tickets } = deps;

  switch (command) {
    case "list": {
      const status = (rawId ?? "open") as TicketStatus;
      const found = await tickets.listByStatus(status);
      if (found.length === 0) {
        console.log(`no ${status} tickets`);
        return 0;
      }
      console.log(
        `${"TICKET".padEnd(12)}  ${"PRIORITY".padEnd(8)} ${"REASON".padEnd(18)} ${"CHANNEL".padEnd(8)} ${"OPENED".padEnd(24)}  CUSTOMER'S LAST MESSAGE`,
      );
      for (const t of found) {
        // The customer's words, not the bot's hand-off notice that usually follows them; the question,
        // when the message that opened the ticket was only a "yes" to a person.
        const last = (
          t.question ??
          t.transcript.findLast((turn) => turn.role === "customer")?.text ??
          ""
        ).replace(/\s+/g, " ");
        console.log(
          `${t.ticketId.padEnd(12)}  ${t.priority.padEnd(8)} ${t.reason.padEnd(18)} ${t.channel.padEnd(8)} ${t.createdAt.padEnd(24)}  ${last.slice(0, 40)}`,
        );
      }
      return 0;
    }
    case "show": {
      const ticket = id ? await tickets.get(id) : undefined;
      if (!ticket) return noTicket(id);
      console.log(
        `${ticket.ticketId} (${ticket.status}, ${ticket.priority}) ${ticket.reason}${ticket.detail ? `: ${ticket.detail}` : ""}`,
      );
      console.log(`${ticket.channel} ${ticket.conversationKey}, opened ${ticket.createdAt}`);
      if (ticket.question) console.log(`question: ${ticket.question}`);
      if (ticket.omittedTurns) console.log(`  (${ticket.omittedTurns} earlier turns were no longer kept)`);
      for (const turn of ticket.transcript) {
        const cut = turn.omittedBytes ? ` […${turn.omittedBytes} more bytes not kept]` : "";
        console.log(`  [${turn.at}] ${turn.role}: ${turn.text}${cut}`);
      }
      if (ticket.candidates.length > 0) {
        console.log("FAQ candidates:");
        for (const c of ticket.candidates)
          console.log(
            `  ${c.faqId} ${c.rejectedByCustomer ? "rejected by the customer" : c.score.toFixed(2)} "${c.matchedQuestion}"`,
          );
      }
      return 0;
    }
    case "reply": {
      const text = rest.join(" ").trim();
      if (!id || !text) return fail(`reply needs a ticket id and a non-empty text\n\n${USAGE}`);
      try {
        await replyFromAgent(id, text, agent, deps, reason ? { override: { reason } } : {});
      } catch (error) {
        if (!(error instanceof ReplyBlockedError)) throw error;
        console.error(blockedReplyText(id, text, error.findings));
        return 1;
      }
      console.log(
        `sent to the customer of ${id} as ${agent}${reason ? " (despite the quality rule, with your reason)" : ""}`,
      );
      return 0;
    }
    case "resolve": {
      const ticket = id ? await tickets.get(id) : undefined;
      if (!ticket) return noTicket(id);
      if (ticket.status === "resolved") {
        console.log(`${ticket.ticketId} was already resolved`);
        return 0;
      }
      const { csatAsked } = await resolveAsAgent(ticket, agent, new Date(), deps);
      const csat = csatAsked ? "the customer was asked to rate the help; " : "";
      console.log(`${ticket.ticketId} resolved by ${agent}: ${csat}the bot answers this conversation again`);
      return 0;
    }
    default:
      return fail(USAGE);
  }
}

/**
 * The running local stack's environment; none when the desk is used against AWS, which the shell says by
 * naming the stack's bucket. Neither: the error says to start the local stack (not which setting is missing).
 */
async function localEnvIfAny(): Promise<Record<string, string>> {
  return readLocalEnv().catch((error) => {
    if (!(error instanceof NoLocalStackError)) throw error;
    if (!portSetting() && shellEnv()[FAQ_BUCKET.envVar]) return {};
    throw new NoLocalStackError(
      `${error.message}\n(Against AWS, export the stack's environment first: ${FAQ_BUCKET.envVar}, the table names, KEFU_SECRET_ARN.)`,
    );
  });
}

/** A usage error: exit 2. */
function fail(message: string): number {
  console.error(message);
  return 2;
}

/** A ticket that does not exist is not a usage error: exit 1. */
function noTicket(id: string | undefined): number {
  console.error(`no ticket ${id}: npm run desk -- list shows the open ones`);
  return 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    console.error((error as Error).message);
    process.exit(1);
  },
);
