import { loadSnsIngressConfig } from "../../shared/config/load";
import { makeHandler } from "./handler";
import { wireSnsIngress } from "./wiring";

/** What Lambda loads: the configuration is read and validated, and the clients made, once per cold start. */
export const handler = makeHandler(wireSnsIngress(loadSnsIngressConfig()));
