/**
 * `npm run desk -- <list | show ID | reply ID "text" | resolve ID>`: the agents' side of a hand-off.
 * Against the running `npm start` (its env file), or against AWS with the stack's environment (table
 * names, KEFU_SECRET_ARN for the channel credentials) exported in the shell.
 */
import { readFile } from "node:fs/promises";
import { replyAsAgent, resolveTicket } from "../../shared/core/desk";
import { channelSender, createRuntime } from "../../shared/runtime";
import { createTicketStore, type TicketStatus } from "../../shared/stores/tickets";
import { LOCAL_ENV_FILE } from "../stack";

// The SDK warns on every client under Node 20 (supported until 2027); it is noise in a CLI.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
process.env.POWERTOOLS_LOG_LEVEL ??= "ERROR";

const USAGE = 'usage: npm run desk -- list [open|assigned|resolved] | show ID | reply ID "text" | resolve ID';

async function main(args: string[]): Promise<number> {
  const [command, id, ...rest] = args;
  const local = await readFile(LOCAL_ENV_FILE, "utf8")
    .then((text) => JSON.parse(text) as Record<string, string>)
    .catch(() => ({}));
  const runtime = createRuntime({ ...process.env, ...local });
  const tickets = createTicketStore(
    runtime.doc,
    runtime.config.KEFU_TICKETS_TABLE,
    runtime.config.KEFU_TICKET_TURNS_TABLE,
  );
  const deps = { tickets, now: () => new Date(), send: channelSender(runtime) };

  switch (command) {
    case "list": {
      const status = (id ?? "open") as TicketStatus;
      for (const t of await tickets.listByStatus(status)) {
        const last = t.transcript.at(-1)?.text ?? "";
        console.log(
          `${t.ticketId}  ${t.priority.padEnd(6)} ${t.reason.padEnd(18)} ${t.channel.padEnd(8)} ${t.createdAt}  ${last.slice(0, 40)}`,
        );
      }
      return 0;
    }
    case "show": {
      const ticket = id ? await tickets.get(id) : undefined;
      if (!ticket) return fail(`no ticket ${id ?? ""}`);
      console.log(
        `${ticket.ticketId} (${ticket.status}, ${ticket.priority}) ${ticket.reason}${ticket.detail ? `: ${ticket.detail}` : ""}`,
      );
      console.log(`${ticket.channel} ${ticket.conversationKey}, opened ${ticket.createdAt}`);
      if (ticket.omittedTurns) console.log(`  (${ticket.omittedTurns} earlier turns were no longer kept)`);
      for (const turn of ticket.transcript) {
        const cut = turn.omittedBytes ? ` […${turn.omittedBytes} more bytes not kept]` : "";
        console.log(`  [${turn.at}] ${turn.role}: ${turn.text}${cut}`);
      }
      if (ticket.candidates.length > 0) {
        console.log("FAQ candidates:");
        for (const c of ticket.candidates)
          console.log(`  ${c.faqId} ${c.score.toFixed(2)} "${c.matchedQuestion}"`);
      }
      return 0;
    }
    case "reply": {
      const text = rest.join(" ").trim();
      if (!id || !text) return fail(USAGE);
      await replyAsAgent(id, text, deps);
      console.log(`sent to the customer of ${id}`);
      return 0;
    }
    case "resolve": {
      if (!id) return fail(USAGE);
      await resolveTicket(id, deps);
      console.log(`${id} resolved: the bot answers this conversation again`);
      return 0;
    }
    default:
      return fail(USAGE);
  }
}

function fail(message: string): number {
  console.error(message);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    console.error((error as Error).message);
    process.exit(1);
  },
);
