import { App, type AppProps, Validations } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { AwsSolutionsChecks } from "cdk-nag";
import { METAFILE_CONTEXT } from "../../infra/constructs/kefu-function";
import { KefuStack, type KefuStackProps } from "../../infra/kefu-stack";
import { tempDir } from "../support/temp-dirs";

/** For beforeAll hooks: a first synthesis loads much of aws-cdk-lib, and bundling runs esbuild thrice. */
export const SYNTH_TIMEOUT_MS = 120_000;

export interface SynthOptions {
  /**
   * Run esbuild on the real handlers (seconds). Off where only the template's shape matters: an
   * unbundled asset gets a placeholder but the resources, policies and findings are the same.
   */
  bundle?: boolean;
  /** Register cdk-nag as in infra/app.ts, so synthesis itself fails on an unacknowledged finding. */
  nag?: boolean;
  /** Have esbuild write each bundle's metafile (index.meta.json), for `bench/bundles.ts --analyze`. */
  metafile?: boolean;
}

/**
 * A CDK app whose cloud assembly (templates, bundles: a few MB) goes to a folder removed after the test
 * file (tempDir); left to itself, an app outside the CDK CLI makes a `cdk.out*` folder in the OS temp
 * folder and leaves it there.
 */
export function testApp(props: AppProps = {}): App {
  return new App({ ...props, outdir: tempDir("cdk.out-") });
}

/** Builds KefuStack in a fresh app the way infra/app.ts does, with a fixed environment. */
export function synthKefu(props: KefuStackProps = {}, options: SynthOptions = {}) {
  const app = testApp({
    context: {
      ...(options.bundle === false ? { "aws:cdk:bundling-stacks": [] } : {}),
      ...(options.metafile ? { [METAFILE_CONTEXT]: true } : {}),
    },
  });
  const stack = new KefuStack(app, "KefuStack", {
    env: { account: "123456789012", region: "us-west-2" },
    ...props,
  });
  if (options.nag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const template = Template.fromStack(stack);
  return { app, stack, template };
}
