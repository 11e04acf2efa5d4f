/** Runs every benchmark in turn: `npm run bench`. Add new ones here. */
import { benchRetrieval, printTable } from "./retrieval";

const rows = await benchRetrieval();
printTable("Lexical retrieval, 10,000 entries × 5 phrasings (zh + en)", rows);

const { benchDense } = await import("./dense");
for (const dimensions of [1024, 256]) {
  printTable(
    `Dense retrieval (Bedrock engine), 10,000 entries × 5 phrasings, ${dimensions} dimensions`,
    await benchDense(dimensions),
  );
}

const { benchPipeline } = await import("./pipeline");
const pipeline = await benchPipeline();
console.log(
  "\nLocal pipeline, WeChat safe mode → reply in the outbox (200 messages, 10 concurrent customers)",
);
console.log(`  webhook ack  p50 ${pipeline.ack.p50} ms, p99 ${pipeline.ack.p99} ms`);
console.log(
  `  reply        p50 ${pipeline.reply.p50} ms, p99 ${pipeline.reply.p99} ms; RSS ${pipeline.rssMb} MB`,
);

const { benchRedact, printRedact } = await import("./redact");
printRedact(benchRedact());
