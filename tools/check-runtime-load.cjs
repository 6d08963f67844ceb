// Loads index.ts the way `pulumi up` does for this project (CommonJS: package.json has no "type": "module"):
// @pulumi/pulumi's cmd/run/run.js reads tsconfig.json's compiler options, registers the project's ts-node with
// the project's TypeScript with type-checking on (no `noCheck`, no PULUMI_NODEJS_TRANSPILE_ONLY), then requires
// the entry. Fails if the program does not compile under that registration or does not export a function.
// Plain JavaScript on purpose: no other TypeScript hook may be registered before ts-node's.
"use strict";
const path = require("node:path");
const tsutils = require("@pulumi/pulumi/tsutils");

const root = path.resolve(__dirname, "..");
const tsconfig = path.join(root, "tsconfig.json");
const compilerOptions = tsutils.loadTypeScriptCompilerOptions(tsconfig);
const { tsnodeRequire, typescriptRequire } = tsutils.typeScriptRequireStrings();
const ts = require(typescriptRequire);
const tsn = require(tsnodeRequire);
const started = Date.now();
tsn.register({
  compiler: typescriptRequire,
  transpileOnly: compilerOptions.noCheck,
  project: tsconfig,
  skipProject: false,
  compilerOptions: {
    target: "ES2020",
    module: "nodenext",
    moduleResolution: "nodenext",
    sourceMap: "true",
    ...compilerOptions,
  },
});
const program = require(path.join(root, "index.ts"));
if (typeof program !== "function") {
  console.error(`index.ts must export the program function; got ${typeof program}`);
  process.exit(1);
}
console.log(
  `pulumi runtime load: index.ts type-checked and loaded with TypeScript ${ts.version} and ts-node ${tsn.VERSION} ` +
    `(CommonJS, type-check on) in ${Date.now() - started} ms`,
);
