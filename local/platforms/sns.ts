import type { SnsPublish } from "../sns";
import type { PlatformRequest } from "./wechat";

/** A publish to the local SNS (`POST /sns/publish`), as SES and End User Messaging publish to our topics. */
export function snsPublish(publish: SnsPublish): PlatformRequest {
  return {
    method: "POST",
    path: "/sns/publish",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(publish),
  };
}
