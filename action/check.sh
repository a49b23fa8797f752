#!/usr/bin/env bash
# The action's check step. Inputs arrive as environment variables; the PR body is read by
# riskgate from the event file (or, in a merge queue, from a file the API wrote), so no
# untrusted text passes through the shell.
set -uo pipefail
# The binary the install step verified or built (never whatever else is on the PATH).
riskgate="${RISKGATE_BIN:-riskgate}"

# One comment per pull request, found by its first line and edited in place: never a new
# comment per push. The body goes from a file to the API, never through the shell.
upsert_comment() {
  local marker='<!-- riskgate report -->' number body id
  number=$(jq -r '.pull_request.number // empty' "$GITHUB_EVENT_PATH")
  if [ -z "$number" ] || [ ! -s "$1" ]; then
    return 0
  fi
  body=$(mktemp "${RUNNER_TEMP:-/tmp}/riskgate-comment.XXXXXX")
  { echo "$marker"; cat "$1"; } > "$body"
  id=$(gh api "repos/$GITHUB_REPOSITORY/issues/$number/comments" --paginate \
       --jq ".[] | select(.body | startswith(\"$marker\")) | .id" | head -n 1)
  if [ -n "$id" ]; then
    gh api -X PATCH "repos/$GITHUB_REPOSITORY/issues/comments/$id" -F "body=@$body" > /dev/null
  else
    gh api -X POST "repos/$GITHUB_REPOSITORY/issues/$number/comments" -F "body=@$body" > /dev/null
  fi || echo "riskgate: cannot write the pull request comment (the job needs pull-requests: write)" >&2
}

args=()
[ -n "${RISKGATE_CONFIG:-}" ] && args+=(--config "$RISKGATE_CONFIG")
args+=(check --github-event "$GITHUB_EVENT_PATH" --format "${RISKGATE_FORMAT:-github}")
[ -n "${RISKGATE_BASE:-}" ] && args+=(--base "$RISKGATE_BASE")
[ -n "${RISKGATE_HEAD:-}" ] && args+=(--head "$RISKGATE_HEAD")
[ -n "${RISKGATE_FAIL_LEVEL:-}" ] && args+=(--fail-level "$RISKGATE_FAIL_LEVEL")
# One analysis writes the SARIF file beside the log's format.
[ -n "${RISKGATE_SARIF_FILE:-}" ] && args+=(--sarif-file "$RISKGATE_SARIF_FILE")

# A merge queue's event carries no pull request body: find the pull request from the queue
# branch (gh-readonly-queue/<base>/pr-<N>-<sha>) and hand its body to riskgate as a file, so a
# plan in the description counts in the queue as it did on the pull request. The body is
# never expanded by the shell; it goes from the API to a file.
if [ "${GITHUB_EVENT_NAME:-}" = merge_group ]; then
  head_ref=$(jq -r '.merge_group.head_ref // empty' "$GITHUB_EVENT_PATH")
  if [[ "$head_ref" =~ gh-readonly-queue/.+/pr-([0-9]+)-[0-9a-f]+$ ]]; then
    pr="${BASH_REMATCH[1]}"
    body="${RUNNER_TEMP:-/tmp}/riskgate-pr-$pr-body.md"
    if gh api "repos/$GITHUB_REPOSITORY/pulls/$pr" --jq '.body // ""' > "$body"; then
      args+=(--pr-body "$body")
    else
      echo "riskgate: cannot read pull request #$pr (the job needs pull-requests: read); checking without its description" >&2
    fi
  else
    echo "riskgate: merge_group head_ref '$head_ref' names no pull request; checking without a description" >&2
  fi
fi

# `--format github` prints annotations and the report, appends the report to the job summary
# and writes score, level and verdict to the step outputs. Exit 1 fails the check. With
# `comment: true` the summary riskgate writes is caught on its way, to keep one PR comment.
summary="${GITHUB_STEP_SUMMARY:-}"
report=""
if [ "${RISKGATE_COMMENT:-false}" = true ]; then
  report=$(mktemp "${RUNNER_TEMP:-/tmp}/riskgate-report.XXXXXX")
  export GITHUB_STEP_SUMMARY="$report"
fi
"$riskgate" "${args[@]}"
rc=$?
if [ -n "$report" ]; then
  if [ -n "$summary" ]; then cat "$report" >> "$summary"; fi
  upsert_comment "$report"
fi
if [ -n "${RISKGATE_SARIF_FILE:-}" ] && [ -f "$RISKGATE_SARIF_FILE" ] && [ -n "${GITHUB_OUTPUT:-}" ]; then
  echo "sarif-file=$RISKGATE_SARIF_FILE" >> "$GITHUB_OUTPUT"
fi
if [ "$rc" -ne 0 ] && [ "${RISKGATE_FORMAT:-github}" != github ] && [ -n "${GITHUB_OUTPUT:-}" ]; then
  echo "verdict=$([ "$rc" -eq 1 ] && echo blocked || echo error)" >> "$GITHUB_OUTPUT"
fi
exit "$rc"
