#!/usr/bin/env bash
# A version manager's shim (pyenv, nvm, rbenv do the same): finds the
# version with command substitutions and redirections in short-lived bash
# processes, then execs the real interpreter ($REAL_PYTHON).
set -e
here=$(dirname "$0")
version_file() { cat "$1" 2>/dev/null || echo system; }
for dir in "$PWD" "$HOME"; do
  v=$(version_file "$dir/.python-version")
done
# pyenv runs a helper script per question: 30 short bash processes.
for i in $(seq 30); do
  v=$("$here/version_helper.sh" "$HOME")
done
hooks=$(for h in exec rehash which; do echo "$h" | tr a-z A-Z; done 2>/dev/null)
exec 3</dev/null
read -r _ <&3 || true
exec 3<&-
exec "$REAL_PYTHON" "$@"
