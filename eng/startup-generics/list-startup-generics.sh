#!/usr/bin/env bash
# Lists the generic types that dependency injection constructs while WhoAmI starts and answers its first request,
# as runtime directives (rd.xml) for the Native AOT compiler: WhoAmI/StartupGenerics.rd.xml.
#
# Why: in a Native AOT binary each of these types (IOptions<KestrelServerOptions>, OptionsFactory<HostOptions>,
# IConfigureOptions<LoggerFilterOptions>[], …) is otherwise built at run time by the runtime's type loader, which
# took about two thirds of the time from Main to listening (docs/tuning.md). Listed, the compiler builds them.
#
# How: runs a JIT build of WhoAmI with a startup hook (StartupHook.cs) that listens to the container's event source,
# sends one GET /whoami, stops it with SIGTERM and compares or writes the list.
# Run: eng/startup-generics/list-startup-generics.sh          (rewrite WhoAmI/StartupGenerics.rd.xml)
#      eng/startup-generics/list-startup-generics.sh --check  (exit 1 with a diff when the file is out of date)
set -euo pipefail
cd "$(dirname "$0")/../.."
case "${1:-}" in
  "") check=false ;;
  --check) check=true ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

out=artifacts/startup-generics
rm -rf "$out" && mkdir -p "$out"
# The event source and startup hooks are off in WhoAmI's own settings (they cost size); this JIT build turns them on.
dotnet build WhoAmI -c Release --nologo -v q --artifacts-path "$out/build" -o "$out/app" -p:EventSourceSupport=true -p:StartupHookSupport=true >"$out/build.log" 2>&1 \
  || { cat "$out/build.log" >&2; exit 1; }
dotnet build eng/startup-generics --nologo -v q --artifacts-path "$out/build" -o "$out/hook" >>"$out/build.log" 2>&1 \
  || { cat "$out/build.log" >&2; exit 1; }

DOTNET_STARTUP_HOOKS="$PWD/$out/hook/StartupGenerics.dll" WHOAMI_STARTUP_GENERICS_OUT="$PWD/$out/StartupGenerics.rd.xml" \
  dotnet "$out/app/WhoAmI.dll" --urls http://127.0.0.1:0 >"$out/app.log" 2>&1 &
app=$!
trap 'kill $app 2>/dev/null || true' EXIT
for _ in $(seq 1 200); do
  port=$(grep -o 'Now listening on: http://127.0.0.1:[0-9]*' "$out/app.log" | head -n 1 | cut -d: -f4) && [ -n "$port" ] && break
  kill -0 $app 2>/dev/null || { cat "$out/app.log" >&2; exit 1; }
  sleep 0.1
done
[ -n "${port:-}" ] || { echo "WhoAmI did not start listening:" >&2; cat "$out/app.log" >&2; exit 1; }
# One request, so that what the first answer needs is listed too (bash's /dev/tcp: no HTTP client needed).
exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'GET /whoami HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >&3
head -n 1 <&3 | grep -q '^HTTP/1.1 200' || { echo "GET /whoami did not answer 200" >&2; exit 1; }
exec 3<&-
kill -TERM $app && wait $app || true
trap - EXIT
[ -s "$out/StartupGenerics.rd.xml" ] || { echo "the startup hook wrote nothing:" >&2; cat "$out/app.log" >&2; exit 1; }

if $check; then
  diff -u WhoAmI/StartupGenerics.rd.xml "$out/StartupGenerics.rd.xml" \
    || { echo "WhoAmI/StartupGenerics.rd.xml is out of date: run $0" >&2; exit 1; }
else
  cp "$out/StartupGenerics.rd.xml" WhoAmI/StartupGenerics.rd.xml
  echo "wrote WhoAmI/StartupGenerics.rd.xml ($(grep -c '<Type ' WhoAmI/StartupGenerics.rd.xml) types)"
fi
