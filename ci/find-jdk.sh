# Sourced by the scripts here and the distribution's launcher: exports JAVA_HOME as a JDK >= 22 (JAVA_HOME if it
# qualifies, else the first under /usr/lib/jvm, else the java on PATH), or stops with a clear message. The machine's default java may be older (17 on Debian 12).
_fd_ok() { [[ -n "$1" && -x "$1/bin/javac" ]] && "$1/bin/java" -version 2>&1 | grep -qE 'version "(2[2-9]|[3-9][0-9])'; }
if ! _fd_ok "${JAVA_HOME:-}"; then
  unset JAVA_HOME
  for _fd_c in /usr/lib/jvm/*; do
    if _fd_ok "$_fd_c"; then export JAVA_HOME="$_fd_c"; break; fi
  done
fi
if [[ -z "${JAVA_HOME:-}" ]] && command -v java >/dev/null; then
  _fd_c="$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")"   # java on PATH (sdkman, a tarball, ...)
  if _fd_ok "$_fd_c"; then export JAVA_HOME="$_fd_c"; fi
fi
if [[ -z "${JAVA_HOME:-}" ]]; then
  echo "fasterdit: needs a JDK 22 or newer (FFM is final from 22); none found in JAVA_HOME, /usr/lib/jvm/* or on PATH" >&2
  exit 2
fi
export JAVA_HOME
