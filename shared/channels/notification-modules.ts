import { emailModule } from "./email/module";
import type { ChannelModule } from "./ports";
import { smsModule } from "./sms/module";

/** The channels whose platforms publish to our SNS topics (SES e-mail, End User Messaging SMS). */
export const NOTIFICATION_MODULES: readonly ChannelModule<never>[] = [
  emailModule as ChannelModule<never>,
  smsModule as ChannelModule<never>,
];
