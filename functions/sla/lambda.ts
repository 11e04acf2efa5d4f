import { loadSlaConfig } from "../../shared/config/load-desk";
import { makeHandler } from "./handler";
import { wireSla } from "./wiring";

/** What Lambda loads: the configuration is read and validated, and the clients made, once per cold start. */
export const handler = makeHandler(wireSla(loadSlaConfig()));
