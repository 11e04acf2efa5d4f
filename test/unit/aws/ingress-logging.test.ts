import { Logger } from "@aws-lambda-powertools/logger";
import { describe, expect, it, vi } from "vitest";
import { recordIngressFailure } from "../../../shared/aws/logging";
import { SignatureError } from "../../../shared/core/errors";

/** A logger and a metrics sink that keep what an ingress (the webhook, the SNS ingress) gave them. */
function recorder() {
  const logger = new Logger({ serviceName: "test" });
  const warn = vi.spyOn(logger, "warn").mockImplementation(() => {});
  const error = vi.spyOn(logger, "error").mockImplementation(() => {});
  const counted: string[] = [];
  const metrics = {
    addMetric: (name: string) => void counted.push(name),
    hasStoredMetrics: () => counted.length > 0,
    publishStoredMetrics: () => {},
  };
  return { deps: { logger, metrics }, warn, error, counted };
}

describe("recordIngressFailure", () => {
  it("logs a refusal at WARN by code with the ids given, and counts it under the ingress's own metric", () => {
    const webhook = recorder();
    recordIngressFailure(webhook.deps, "webhook", new SignatureError(), { channel: "wechat" });
    expect(webhook.warn).toHaveBeenCalledWith("webhook rejected", {
      channel: "wechat",
      code: "bad_signature",
      status: 401,
    });
    expect(webhook.counted).toEqual(["RejectedRequests"]);

    const sns = recorder();
    recordIngressFailure(sns.deps, "notification", new SignatureError(), { snsMessageId: "m-1" });
    expect(sns.warn).toHaveBeenCalledWith("notification rejected", {
      snsMessageId: "m-1",
      code: "bad_signature",
      status: 401,
    });
    expect(sns.counted).toEqual(["RejectedNotifications"]);
  });

  it("logs a fault at ERROR with its cause and counts nothing", () => {
    const { deps, warn, error, counted } = recorder();
    const fault = new Error("socket hang up");
    recordIngressFailure(deps, "notification", fault, { snsMessageId: "m-2" });
    expect(error).toHaveBeenCalledWith("notification failed", {
      snsMessageId: "m-2",
      code: "internal_error",
      status: 500,
      error: fault,
    });
    expect(warn).not.toHaveBeenCalled();
    expect(counted).toEqual([]);
  });
});
