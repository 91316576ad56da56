#!/bin/sh
# renkei-gate.sh: run one renkei profile in a CI job and gate the release on its exit code.
#
# The shell steps of the pipeline recipes (github-actions.yml, gitlab-ci.yml in this folder), kept
# here so that one tested script is what both run. Copy it into your repository next to the pipeline
# file. Settings come from the environment (the recipes set them in `env:` / `variables:`):
#
#   RENKEI_PROFILE            profile id (see `renkei profiles`) or a profile YAML          required
#   RENKEI_TARGET             the bundle (zip or folder) or the target YAML                  required
#   RENKEI_OUT                artifact folder, default renkei-out; the run writes RENKEI_OUT/<profile>/
#                             (result.json, junit.xml, report.html)
#   RENKEI_EXPECTED_FAILURES  expected-failures YAML (known failures that do not gate; one that
#                             passes again gates, so the list cannot go stale); optional
#   RENKEI_WAIT_URL           before the run, wait until this URL answers (any HTTP status below
#                             500: a 401 also shows the product listens); optional
#   RENKEI_WAIT_SECONDS       how long to wait for it, default 120
#   RENKEI_FORMAT             console output: github (annotations + job summary; the default on
#                             GitHub Actions) or text (the default elsewhere)
#   RENKEI_LANG               report language, ja (default) or en
#   RENKEI_ARGS               more `renkei run` options, split at spaces (e.g. --redact)
#   RENKEI                    the renkei command, default renkei
#   PYTHON                    the Python that waits for RENKEI_WAIT_URL, default python3
#
# Exit code: 0 the profile passed (expected failures allowed), 1 conformance failures: the gate
# closes, 2 renkei could not run (bad settings, product never ready, interrupted).
set -u

say() { printf 'renkei-gate: %s\n' "$*" >&2; }

if [ -z "${RENKEI_PROFILE:-}" ] || [ -z "${RENKEI_TARGET:-}" ]; then
  say "set RENKEI_PROFILE and RENKEI_TARGET (see the head of this script)"
  exit 2
fi
renkei=${RENKEI:-renkei}
out=${RENKEI_OUT:-renkei-out}
lang=${RENKEI_LANG:-ja}
if [ -n "${RENKEI_FORMAT:-}" ]; then
  format=$RENKEI_FORMAT
elif [ "${GITHUB_ACTIONS:-}" = "true" ]; then
  format=github
else
  format=text
fi

version=$("$renkei" --version) || { say "cannot run '$renkei' (is renkei installed? pip install renkei)"; exit 2; }
say "$version"

if [ -n "${RENKEI_WAIT_URL:-}" ]; then
  say "waiting for $RENKEI_WAIT_URL (at most ${RENKEI_WAIT_SECONDS:-120} s)"
  "${PYTHON:-python3}" - "$RENKEI_WAIT_URL" "${RENKEI_WAIT_SECONDS:-120}" <<'PY' || exit 2
import sys, time, urllib.error, urllib.request

url, limit = sys.argv[1], float(sys.argv[2])
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # the product is local: no proxy
deadline, last = time.monotonic() + limit, "no answer"
while True:
    try:
        with opener.open(url, timeout=5) as answer:
            status = answer.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except ValueError as exc:
        sys.exit(f"renkei-gate: RENKEI_WAIT_URL {url!r} is not a URL ({exc})")
    except OSError as exc:
        status, last = None, str(getattr(exc, "reason", exc))
    if status is not None and status < 500:
        sys.exit(0)
    if status is not None:
        last = f"HTTP {status}"
    if time.monotonic() >= deadline:
        sys.exit(f"renkei-gate: {url} did not answer within {limit:g} s (last: {last})")
    time.sleep(1)
PY
fi

result="$out/$(basename "$RENKEI_PROFILE" .yaml)"
set -- run --profile "$RENKEI_PROFILE" --target "$RENKEI_TARGET" --out "$result" --lang "$lang" --format "$format"
if [ -n "${RENKEI_EXPECTED_FAILURES:-}" ]; then
  set -- "$@" --expected-failures "$RENKEI_EXPECTED_FAILURES"
fi
set -f  # RENKEI_ARGS is split at spaces on purpose, but a glob in it (--select 'or.rest.*') stays as written
# shellcheck disable=SC2086
"$renkei" "$@" ${RENKEI_ARGS:-}
code=$?
set +f

case $code in
  0|1)
    if [ ! -f "$result/junit.xml" ]; then
      say "renkei exited $code but wrote no $result/junit.xml"
      exit 2
    fi
    if [ $code -eq 0 ]; then
      say "PASS: $RENKEI_PROFILE; reports in $result/ (JUnit: $result/junit.xml)"
    else
      say "FAIL: $RENKEI_PROFILE has conformance failures: the gate is closed; reports in $result/ (JUnit: $result/junit.xml)"
    fi
    exit $code ;;
  *)
    say "renkei could not complete the run (exit $code); see the line above"
    exit 2 ;;
esac
