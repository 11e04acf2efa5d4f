import { DESK_AUTH_ENV, LOCAL_ENV } from "../shared/config/names";

/**
 * The one module of local/ that reads the process environment: the local stack and the CLIs take the
 * shell's settings from here (a port, a state directory, credentials of a real channel over the demo
 * ones) and pass configuration objects on. Nothing they start reads process.env for Kefu's settings.
 */

/** A copy of the shell's environment, for configurations built over it (`KEFU_*` settings, credentials). */
export function shellEnv(): Record<string, string | undefined> {
  return { ...process.env };
}

/** KEFU_PORT as given (the CLIs pick the stack on it); undefined when unset. */
export function portSetting(): string | undefined {
  return process.env[LOCAL_ENV.port] || undefined;
}

/** Where running stacks leave their records (KEFU_STATE_DIR, else `.kefu`). */
export function stateDirSetting(): string {
  return process.env[LOCAL_ENV.stateDir] ?? ".kefu";
}

/**
 * Switches of the libraries, which read them from the process environment themselves: the AWS SDK's
 * warning on Node 20 (supported until 2027; noise here) and, for the stack's functions, Powertools'
 * EMF metrics (nothing collects them on this machine). Not Kefu's configuration.
 */
export function quietLibraries(options: { metrics?: boolean } = {}): void {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
  if (options.metrics === false) process.env.POWERTOOLS_METRICS_DISABLED = "true";
}

/** Runs `work` with NODE_ENV=production (Vite bundles React's development build otherwise), then restores it. */
export async function withProductionNodeEnv<T>(work: () => Promise<T>): Promise<T> {
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = "production";
  try {
    return await work();
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  }
}

/** The demo users' password of the local desk (KEFU_DESK_DEMO_PASSWORD), if set. */
export function deskDemoPasswordSetting(): string | undefined {
  return process.env[DESK_AUTH_ENV.demoPassword] || undefined;
}
