import { App, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { loadDeployTarget } from "../shared/config/load";
import { builtDesk } from "./constructs/desk";
import { PROJECT_ROOT } from "./constructs/kefu-function";
import { ContextError, stackPropsFromContext } from "./context";
import { KefuStack } from "./kefu-stack";

/**
 * `npx cdk synth` / `npx cdk deploy`. Options come from CDK context (cdk.json or `-c key=value`),
 * validated in infra/context.ts: embeddingModelId, answerModelId, engine (bedrock|local), qaReview
 * (off|bedrock|heuristic), egress (true|false), sourceMaps (true|false: ship source maps, off by
 * default), alarmEmail, agentEmail, publicUrl, emailFrom, emailDomain, emailConfigurationSet,
 * smsOrigination, smsConfigurationSet, and the channel settings by their environment names (e.g.
 * `-c KEFU_SMS_MAX_SEGMENTS=2`, see CHANNEL_SETTINGS).
 */
const app = new App();
const deskAssetsDir = builtDesk(`${PROJECT_ROOT}/desk/dist`);
if (!deskAssetsDir) throw new Error("the agents' desk is not built: run `npm run desk:build` first");

new KefuStack(app, "KefuStack", {
  env: loadDeployTarget(),
  description: "Kefu: serverless omnichannel customer-service bot",
  ...contextOptions(),
  deskAssetsDir,
});

/** The `-c` options, or the one line saying which are wrong (a stack trace would bury it). */
function contextOptions() {
  try {
    return stackPropsFromContext((key) => app.node.tryGetContext(key), Object.keys(app.node.getAllContext()));
  } catch (error) {
    if (!(error instanceof ContextError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}

// cdk-nag v3 is a policy-validation plugin: any unacknowledged AwsSolutions finding, error or warning,
// fails `cdk synth`. Acknowledgements live next to the resource they concern, each with its reason.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
