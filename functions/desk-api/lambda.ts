import { loadDeskApiConfig } from "../../shared/config/load-desk";
import { makeHandler } from "./handler";
import { wireDeskApi } from "./wiring";

/** What Lambda loads: the configuration is read and validated, and the clients made, once per cold start. */
export const handler = makeHandler(wireDeskApi(loadDeskApiConfig()));
