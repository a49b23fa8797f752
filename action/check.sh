#!/usr/bin/env bash
# The action's check step. Inputs arrive as environment variables; the PR body is read by
# riskgate from the event file, so no untrusted text passes through the shell.
set -uo pipefail
PATH="$HOME/.cargo/bin:$PATH"

common=()
[ -n "${RISKGATE_CONFIG:-}" ] && common+=(--config "$RISKGATE_CONFIG")
args=(check --github-event "$GITHUB_EVENT_PATH")
[ -n "${RISKGATE_BASE:-}" ] && args+=(--base "$RISKGATE_BASE")
[ -n "${RISKGATE_HEAD:-}" ] && args+=(--head "$RISKGATE_HEAD")
[ -n "${RISKGATE_FAIL_LEVEL:-}" ] && args+=(--fail-level "$RISKGATE_FAIL_LEVEL")

if [ -n "${RISKGATE_SARIF_FILE:-}" ]; then
  riskgate "${common[@]}" "${args[@]}" --format sarif --output "$RISKGATE_SARIF_FILE"
  rc=$?
  if [ "$rc" -eq 2 ]; then exit 2; fi
  echo "sarif-file=$RISKGATE_SARIF_FILE" >> "$GITHUB_OUTPUT"
fi

# `--format github` prints annotations and the report, appends the report to the job summary
# and writes score, level and verdict to the step outputs. Exit 1 fails the check.
riskgate "${common[@]}" "${args[@]}" --format "${RISKGATE_FORMAT:-github}"
rc=$?
if [ "$rc" -ne 0 ] && [ "${RISKGATE_FORMAT:-github}" != github ] && [ -n "${GITHUB_OUTPUT:-}" ]; then
  echo "verdict=$([ "$rc" -eq 1 ] && echo blocked || echo error)" >> "$GITHUB_OUTPUT"
fi
exit "$rc"
