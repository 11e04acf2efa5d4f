/** Runs every benchmark in turn: `npm run bench`. Add new ones here. */
import { benchRetrieval, printTable } from "./retrieval";

const rows = await benchRetrieval();
printTable("Lexical retrieval, 10,000 entries × 5 phrasings (zh + en)", rows);
