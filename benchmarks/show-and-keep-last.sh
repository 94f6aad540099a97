# Sourced by the side-by-side scripts. show_and_keep_last: shows a run's output on stderr and prints its last line
# (the machine-readable summary). Not `tee /dev/stderr`: reopening that path truncates a log file stderr was
# redirected to, so only the last run's lines survived in such a log.
show_and_keep_last() { local out; out=$(cat); printf '%s\n' "$out" >&2; tail -1 <<< "$out"; }
