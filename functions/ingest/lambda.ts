import { loadIngestConfig } from "../../shared/config/load";
import { makeHandler } from "./handler";
import { wireIngest } from "./wiring";

/** What Lambda loads: the configuration is read and validated, and the clients made, once per cold start. */
export const handler = makeHandler(wireIngest(loadIngestConfig()));
