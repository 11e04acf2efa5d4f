import { FAQ_BUCKET, INBOUND_QUEUE, TABLES, type TableName } from "../resources";

/**
 * Every environment variable Kefu reads, by what it means. The CDK stack (infra/) and the local stack
 * (local/) set them by these constants, and shared/config/load.ts reads them: one spelling, checked by
 * the compiler. Channel credentials (`KEFU_<CHANNEL>_<FIELD>`, secrets) are named by their channel's
 * schema (shared/channels/<channel>/credentials.ts) instead.
 */
export const ENV = {
  /** `local` enables the embedded stack's conveniences (demo credentials, emulator endpoints). */
  mode: "KEFU_MODE",
  region: "AWS_REGION",
  /** The function role's credentials, which Lambda puts in the environment (aws-credentials.ts). */
  accessKeyId: "AWS_ACCESS_KEY_ID",
  secretAccessKey: "AWS_SECRET_ACCESS_KEY",
  sessionToken: "AWS_SESSION_TOKEN",
  queueUrl: INBOUND_QUEUE.envVar,
  faqBucket: FAQ_BUCKET.envVar,
  /** Secrets Manager secret holding the channel credentials as one JSON object. */
  secretArn: "KEFU_SECRET_ARN",
  /** Endpoint overrides for the local emulators; unset in AWS. */
  dynamodbEndpoint: "KEFU_DYNAMODB_ENDPOINT",
  awsEndpoint: "KEFU_AWS_ENDPOINT",
  timestampWindowSeconds: "KEFU_TIMESTAMP_WINDOW_SECONDS",
  maxBodyBytes: "KEFU_MAX_BODY_BYTES",
  publicUrl: "KEFU_PUBLIC_URL",
  kb: "KEFU_KB",
  kbRefreshMs: "KEFU_KB_REFRESH_MS",
  agentTopicArn: "KEFU_AGENT_TOPIC_ARN",
  textOverrides: "KEFU_TEXT_OVERRIDES",
  engine: "KEFU_ENGINE",
  embeddingModelId: "KEFU_EMBEDDING_MODEL_ID",
  embeddingDimensions: "KEFU_EMBEDDING_DIMENSIONS",
  answerModelId: "KEFU_ANSWER_MODEL_ID",
  rewriteModelId: "KEFU_REWRITE_MODEL_ID",
  guardrailId: "KEFU_GUARDRAIL_ID",
  guardrailVersion: "KEFU_GUARDRAIL_VERSION",
  answerTimeoutMs: "KEFU_ANSWER_TIMEOUT_MS",
  answerThreshold: "KEFU_ANSWER_THRESHOLD",
  marginThreshold: "KEFU_MARGIN_THRESHOLD",
  clarifyThreshold: "KEFU_CLARIFY_THRESHOLD",
  suggestThreshold: "KEFU_SUGGEST_THRESHOLD",
  offTopicSuggestThreshold: "KEFU_OFF_TOPIC_SUGGEST_THRESHOLD",
  serviceName: "POWERTOOLS_SERVICE_NAME",
  metricsNamespace: "POWERTOOLS_METRICS_NAMESPACE",
  logLevel: "POWERTOOLS_LOG_LEVEL",
  metricsDisabled: "POWERTOOLS_METRICS_DISABLED",
  powertoolsDev: "POWERTOOLS_DEV",
} as const;

/** The physical table names, by table: set from resources.ts's definitions. */
export const TABLE_ENV = Object.fromEntries(
  (Object.keys(TABLES) as TableName[]).map((table) => [table, TABLES[table].envVar]),
) as { readonly [T in TableName]: (typeof TABLES)[T]["envVar"] };

/**
 * Channel settings that are not secrets: set by CDK context of the same name (`-c KEFU_SMS_MAX_SEGMENTS=2`)
 * or in the environment. E-mail's topics and domains are set by the stack itself.
 */
export const CHANNEL_ENV = {
  smsMaxSegments: "KEFU_SMS_MAX_SEGMENTS",
  smsMoreUrl: "KEFU_SMS_MORE_URL",
  smsKeywordReplies: "KEFU_SMS_KEYWORD_REPLIES",
  twilioKeywordReplies: "KEFU_TWILIO_KEYWORD_REPLIES",
  wecomKfServicerUserId: "KEFU_WECOM_KF_SERVICER_USERID",
  emailDomains: "KEFU_EMAIL_DOMAINS",
  emailTopicArns: "KEFU_EMAIL_TOPIC_ARNS",
  emailAuth: "KEFU_EMAIL_AUTH",
  emailConfigurationSet: "KEFU_EMAIL_CONFIGURATION_SET",
} as const;

/**
 * The platform API base URL of each channel, when not the platform's own (locally: the simulators of
 * `npm start`).
 */
export const API_BASE_ENV = {
  wechat: "KEFU_WECHAT_API_BASE",
  wecom: "KEFU_WECOM_API_BASE",
  "wecom-kf": "KEFU_WECOM_KF_API_BASE",
  dingtalk: "KEFU_DINGTALK_API_BASE",
  email: "KEFU_EMAIL_API_BASE",
  sms: "KEFU_SMS_API_BASE",
  twilio: "KEFU_TWILIO_API_BASE",
} as const;

/**
 * The desk's rules and alerts (shared/config/desk.ts; README, "Routing, SLAs, alerts"). The robots'
 * secrets (KEFU_ALERT_WECOM_KEY, KEFU_ALERT_DINGTALK_TOKEN, KEFU_ALERT_DINGTALK_SECRET) live in the
 * credentials secret with the channels' (shared/aws/alerts.ts).
 */
export const DESK_ENV = {
  routingRules: "KEFU_ROUTING_RULES",
  slaPolicies: "KEFU_SLA_POLICIES",
  reopenWindowHours: "KEFU_REOPEN_WINDOW_HOURS",
  csatWindowHours: "KEFU_CSAT_WINDOW_HOURS",
  csatTexts: "KEFU_CSAT_TEXTS",
  deskUrl: "KEFU_DESK_URL",
  alertWecomApiBase: "KEFU_ALERT_WECOM_API_BASE",
  alertDingtalkApiBase: "KEFU_ALERT_DINGTALK_API_BASE",
} as const;

/** Quality inspection of outgoing messages (shared/config/inspection.ts). */
export const INSPECTION_ENV = {
  /** `handoff` (default) or `safe_answer`: what the bot does with an answer a blocking rule stops. */
  fallback: "KEFU_INSPECTION_FALLBACK",
  /** How often the rule set in force is re-read (ms, default 30000). */
  rulesRefreshMs: "KEFU_INSPECTION_RULES_REFRESH_MS",
} as const;

/**
 * The QA review of resolved, human-handled tickets (shared/config/review.ts): `off` (default), `bedrock`
 * (graded by the answer model, KEFU_ANSWER_MODEL_ID) or `heuristic` (word markers and counts, no model:
 * the local stack's choice).
 */
export const REVIEW_ENV = { grader: "KEFU_QA_REVIEW" } as const;
/** The analytics reports (shared/config/reports.ts). */
export const REPORT_ENV = {
  /** The IANA time zone of the heat map's hours and weekdays (default Asia/Shanghai). */
  timeZone: "KEFU_REPORT_TIME_ZONE",
  /**
   * Model prices for the cost estimate, USD per million tokens, as JSON by model id over the defaults
   * (shared/core/analytics/report.ts DEFAULT_MODEL_PRICES): `{"<model id>": {"input": 0.8, "output": 4}}`.
   * The estimate prices the answer model (KEFU_ANSWER_MODEL_ID).
   */
  modelPrices: "KEFU_MODEL_PRICES",
} as const;

/**
 * The key of the analytics conversation ids (HMAC, shared/core/analytics/events.ts conversationId): in AWS the
 * Secrets Manager secret the stack generates (its ARN); locally the key itself, which `npm start` makes
 * once per install and keeps under the state directory (local/analytics-key.ts).
 */
export const ANALYTICS_ENV = {
  keySecretArn: "KEFU_ANALYTICS_KEY_SECRET_ARN",
  key: "KEFU_ANALYTICS_KEY",
} as const;

/** Settings of the local stack and its command-line tools only. */
export const LOCAL_ENV = {
  port: "KEFU_PORT",
  stateDir: "KEFU_STATE_DIR",
  /** The local dead-letter queue (the CLIs and /dev/dlq read it). */
  dlqUrl: "KEFU_DLQ_URL",
} as const;

/** Set by the CDK CLI: the account and region `cdk synth|deploy` targets. */
export const CDK_ENV = { account: "CDK_DEFAULT_ACCOUNT", region: "CDK_DEFAULT_REGION" } as const;

/** Everything a configuration may read: the environment, or a record standing in for it. */
export type EnvRecord = Readonly<Record<string, string | undefined>>;

/**
 * The agents' desk: the Cognito user pool whose ID tokens the desk API accepts. In AWS the issuer and its
 * keys follow from the pool id and the region; locally (cognito-local) they are given.
 */
export const DESK_AUTH_ENV = {
  userPoolId: "KEFU_DESK_USER_POOL_ID",
  clientId: "KEFU_DESK_CLIENT_ID",
  /** The token issuer (`iss`); default `https://cognito-idp.<region>.amazonaws.com/<pool>`. */
  issuer: "KEFU_DESK_ISSUER",
  /** Where the issuer's signing keys are; default `<issuer>/.well-known/jwks.json`. */
  jwksUri: "KEFU_DESK_JWKS_URI",
  /** Cognito's API endpoint, when it is not AWS's (the local stack's cognito-local). */
  cognitoEndpoint: "KEFU_DESK_COGNITO_ENDPOINT",
  /** Demo users' password of the local stack (`agent`, `supervisor`, `admin`). */
  demoPassword: "KEFU_DESK_DEMO_PASSWORD",
} as const;
