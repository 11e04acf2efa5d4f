/**
 * The floors of the house (README, "Layout"), checked by `npm test` (`npm run depcheck`). A folder may
 * import its own floor's files and the floors below it, never a floor above, and there is no cycle
 * between files (and so, with the floors, none between folders):
 *
 *   floor 0  shared/core       the domain and its ports: itself, zod and node:* only
 *   floor 1  shared/kb         retrieval, FAQ schema and import, their ports  → core
 *            shared/channels   one folder per channel, ingress, tokens, ports → core
 *   floor 2  shared/ai         engines, Bedrock and local models              → core, kb
 *            shared/stores     DynamoDB adapters of the ports                 → core, kb, channels (types)
 *            shared/config     the one configuration module                   → core, channels
 *   floor 3  shared/aws        AWS adapters that are not stores, shared wiring → all of shared/
 *   beside   shared/resources  tables, queues, bucket as plain data           → nothing
 *   above    functions/        one folder per Lambda: handler, wiring, entry  → shared
 *            infra/            the CDK app                                    → shared
 *            local/            the embedded stack and the CLIs                → shared, functions
 *            desk/             the agents' web app (browser code)             → shared/core, channel text rules
 *
 * Everything not allowed below is refused ("not-in-allowed"), so a new arrow needs a line here.
 */
const npm = { dependencyTypes: ["npm", "npm-dev", "npm-optional", "npm-peer", "npm-no-pkg", "npm-unknown"] };
const node = { dependencyTypes: ["core"] };
const within = (folder) => ({ from: { path: `^${folder}/` }, to: { path: `^${folder}/` } });

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment:
        "A cycle between files: each file of it waits for the others to load, and no floor is a floor.",
      from: {},
      to: { circular: true },
    },
    {
      name: "no-orphans",
      severity: "error",
      comment: "A file of shared/ that nothing imports is dead code (an unused index.ts, a leftover).",
      from: { orphan: true, path: "^shared/" },
      to: {},
    },
  ],
  allowed: [
    // floor 0: the domain imports only itself, zod and the standard library
    within("shared/core"),
    { from: { path: "^shared/core/" }, to: { ...node } },
    { from: { path: "^shared/core/" }, to: { path: "^node_modules/zod/" } },
    // floor 1
    within("shared/kb"),
    { from: { path: "^shared/kb/" }, to: { path: "^shared/core/" } },
    within("shared/channels"),
    { from: { path: "^shared/channels/" }, to: { path: "^shared/core/" } },
    // floor 2
    within("shared/ai"),
    { from: { path: "^shared/ai/" }, to: { path: "^shared/(core|kb)/" } },
    within("shared/stores"),
    { from: { path: "^shared/stores/" }, to: { path: "^shared/(core|kb)/" } },
    // Stores implement the channels' ports (tokens, channel state): their types, nothing that runs.
    { from: { path: "^shared/stores/" }, to: { path: "^shared/channels/", dependencyTypes: ["type-only"] } },
    // floor 3
    within("shared/aws"),
    {
      from: { path: "^shared/aws/" },
      to: { path: "^shared/(core|kb|channels|ai|stores|config)/" },
    },
    // The configuration reads the environment into the types the code below declares.
    within("shared/config"),
    { from: { path: "^shared/config/" }, to: { path: "^shared/(core|channels)/|^node_modules/zod/" } },
    {
      from: { path: "^shared/(kb|channels|ai|stores|config|aws)/" },
      to: { path: "^shared/resources\\.ts$" },
    },
    { from: { path: "^shared/(kb|channels|ai|stores)/" }, to: { ...npm } },
    { from: { path: "^shared/(kb|channels|ai|stores|aws)/" }, to: { ...node } },
    { from: { path: "^shared/aws/" }, to: { ...npm } },
    // above: the functions, the CDK app, the local stack, tests and benchmarks
    { from: { path: "^functions/" }, to: { path: "^(shared|functions)/" } },
    { from: { path: "^infra/" }, to: { path: "^(shared|infra)/" } },
    { from: { path: "^local/" }, to: { path: "^(shared|functions|local)/" } },
    // The desk runs in a browser: it may share the domain's pure rules (SMS segments, byte lengths), no more.
    within("desk"),
    { from: { path: "^desk/" }, to: { path: "^shared/(core|channels/sms-common/encoding\\.ts$)" } },
    // The desk's development server (Node, not the browser) serves the built files as the local stack does.
    { from: { path: "^desk/dev/" }, to: { path: "^local/desk-assets\\.ts$" } },
    { from: { path: "^(test|bench)/" }, to: { path: "^(shared|functions|infra|local|desk|test|bench)/" } },
    { from: { path: "^(functions|infra|local|desk|test|bench)/" }, to: { ...npm } },
    { from: { path: "^(functions|infra|local|desk|test|bench)/" }, to: { ...node } },
  ],
  allowedSeverity: "error",
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(cdk\\.out|coverage|desk/dist)/" },
    // Type-only imports count: a floor may not even name a type of a floor above it.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default"],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
