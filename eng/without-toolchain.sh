#!/usr/bin/env bash
# Runs a command as on a machine with only the .NET SDK: clang, gcc and cc are /bin/false and no Docker engine
# answers. Uses a private mount namespace (needs root and util-linux unshare); the machine itself is unchanged.
# Run: eng/without-toolchain.sh dotnet test
set -euo pipefail
[ $# -gt 0 ] || { echo "usage: eng/without-toolchain.sh COMMAND [ARGS...]" >&2; exit 2; }
exec unshare --mount --propagation private bash -c '
  for tool in clang gcc cc; do
    if path=$(command -v "$tool"); then mount --bind /bin/false "$(readlink -f "$path")"; fi
  done
  export DOCKER_HOST=unix:///nonexistent/docker.sock
  exec "$@"' without-toolchain "$@"
