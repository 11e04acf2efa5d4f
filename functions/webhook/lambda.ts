import { loadWebhookConfig } from "../../shared/config/load";
import { makeHandler } from "./handler";
import { wireWebhook } from "./wiring";

/** What Lambda loads: the configuration is read and validated, and the clients made, once per cold start. */
export const handler = makeHandler(wireWebhook(loadWebhookConfig()));
