#!/usr/bin/env bash
# The action's check step. Inputs arrive as environment variables; the PR body is read by
# riskgate from the event file, so no untrusted text passes through the shell.
set -uo pipefail
# The binary the install step verified or built (never whatever else is on the PATH).
riskgate="${RISKGATE_BIN:-riskgate}"

args=()
[ -n "${RISKGATE_CONFIG:-}" ] && args+=(--config "$RISKGATE_CONFIG")
args+=(check --github-event "$GITHUB_EVENT_PATH" --format "${RISKGATE_FORMAT:-github}")
[ -n "${RISKGATE_BASE:-}" ] && args+=(--base "$RISKGATE_BASE")
[ -n "${RISKGATE_HEAD:-}" ] && args+=(--head "$RISKGATE_HEAD")
[ -n "${RISKGATE_FAIL_LEVEL:-}" ] && args+=(--fail-level "$RISKGATE_FAIL_LEVEL")
# One analysis writes the SARIF file beside the log's format.
[ -n "${RISKGATE_SARIF_FILE:-}" ] && args+=(--sarif-file "$RISKGATE_SARIF_FILE")

# `--format github` prints annotations and the report, appends the report to the job summary
# and writes score, level and verdict to the step outputs. Exit 1 fails the check.
"$riskgate" "${args[@]}"
rc=$?
if [ -n "${RISKGATE_SARIF_FILE:-}" ] && [ -f "$RISKGATE_SARIF_FILE" ] && [ -n "${GITHUB_OUTPUT:-}" ]; then
  echo "sarif-file=$RISKGATE_SARIF_FILE" >> "$GITHUB_OUTPUT"
fi
if [ "$rc" -ne 0 ] && [ "${RISKGATE_FORMAT:-github}" != github ] && [ -n "${GITHUB_OUTPUT:-}" ]; then
  echo "verdict=$([ "$rc" -eq 1 ] && echo blocked || echo error)" >> "$GITHUB_OUTPUT"
fi
exit "$rc"
