#!/usr/bin/env sh
# Run `partner-support check` from cron: silent when all is well, the findings when not.
#
# cron mails whatever a job prints, so this prints nothing unless something needs attention:
#
#   # m h dom mon dow  command
#   0 7 * * 1-5  /path/to/check.sh /srv/support/state.json
#
# Exit status: 0 all well, 4 a warning, 5 something critical, anything else an error (with its
# message on stderr). Extra arguments go to `check` (`--warn-days 45`, `--scope cloud`, ...).
# NOTIFY, if set, is a command that gets the findings on its standard input instead of stdout
# (for example `mail -s "partner support" it@contoso.com`).
set -u

bin=${PARTNER_SUPPORT:-partner-support}
state=${1:?usage: check.sh STATE_FILE [CHECK OPTIONS...]}
shift

report=$("$bin" --state "$state" --color never -q check "$@")
status=$?
case $status in
  0) exit 0 ;;
  4 | 5)
    if [ -n "${NOTIFY:-}" ]; then
      printf '%s\n' "$report" | sh -c "$NOTIFY"
    else
      printf '%s\n' "$report"
    fi
    exit $status
    ;;
  *)
    echo "check.sh: partner-support check failed with status $status" >&2
    exit $status
    ;;
esac
