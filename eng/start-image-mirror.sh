#!/usr/bin/env bash
# Starts the Docker engine and a local registry on 127.0.0.1:5000 when they are not running, and fills the registry
# with the two base images the builds need. Idempotent: a second run checks and exits in seconds.
# Run: eng/start-image-mirror.sh                      (as root; then build with BaseImageRegistry=localhost:5000)
#      WHOAMI_MIRROR_SOURCE=mcr eng/start-image-mirror.sh   (copy the real images instead, where mcr.microsoft.com answers)
#
# Without WHOAMI_MIRROR_SOURCE=mcr the images are STAND-INS, labelled org.whoami.stand-in=true, never the real ones:
#   dotnet/runtime-deps:10.0-noble-chiseled  Debian 12's glibc, libgcc, libstdc++, OpenSSL, zlib and CA certificates,
#                                            /etc/passwd with app (uid 1654), no shell, no package manager, and the
#                                            real image's APP_UID, ASPNETCORE_HTTP_PORTS, DOTNET_RUNNING_IN_CONTAINER, USER.
#   dotnet/sdk:10.0-noble-aot                debootstrapped Debian 12 with this machine's .NET SDK, clang, zlib headers
#                                            and this machine's CA bundle (so restore works behind its proxy).
# They are Debian, not Ubuntu noble; sizes of the base layers differ from the real images, the app layer does not.
set -euo pipefail

REGISTRY=localhost:5000
STATE=${WHOAMI_MIRROR_STATE:-/var/lib/whoami-mirror}
RUNTIME_DEPS=dotnet/runtime-deps:10.0-noble-chiseled
SDK=dotnet/sdk:10.0-noble-aot
mkdir -p "$STATE/logs"

say() { printf 'mirror: %s\n' "$*" >&2; }

wait_for() { # wait_for SECONDS COMMAND...: retry until the command succeeds
  local deadline=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || return 1
    sleep 0.5
  done
}

start_engine() {
  docker info >/dev/null 2>&1 && return
  say "starting dockerd (log: $STATE/logs/dockerd.log)"
  setsid nohup dockerd >"$STATE/logs/dockerd.log" 2>&1 < /dev/null &
  wait_for 60 docker info || { tail -20 "$STATE/logs/dockerd.log" >&2; say "dockerd did not start"; exit 1; }
}

start_registry() {
  curl -fsS "http://$REGISTRY/v2/" >/dev/null 2>&1 && return
  cat >"$STATE/registry.yml" <<YAML
version: 0.1
storage:
  filesystem:
    rootdirectory: $STATE/registry
  delete:
    enabled: true
http:
  addr: 127.0.0.1:5000
YAML
  say "starting docker-registry on 127.0.0.1:5000 (log: $STATE/logs/registry.log)"
  setsid nohup docker-registry serve "$STATE/registry.yml" >"$STATE/logs/registry.log" 2>&1 < /dev/null &
  wait_for 30 curl -fsS "http://$REGISTRY/v2/" || { tail -20 "$STATE/logs/registry.log" >&2; say "registry did not start"; exit 1; }
}

# What a stand-in is made from; a change rebuilds it.
recipe() { { sha256sum "$0" | cut -c1-16; dotnet --version; } | tr '\n' '-' | sed 's/-$//'; }

has_image() { # has_image NAME:TAG [RECIPE]
  local config
  config=$(skopeo inspect --tls-verify=false "docker://$REGISTRY/$1" 2>/dev/null) || return 1
  [ -z "${2:-}" ] || grep -q "\"org.whoami.stand-in.recipe\": \"$2\"" <<<"$config"
}

push() { # push LOCAL_TAG NAME:TAG
  docker tag "$1" "$REGISTRY/$2"
  docker push -q "$REGISTRY/$2" >/dev/null
  docker rmi -f "$1" >/dev/null
}

stand_in_changes() { # the --change arguments every stand-in carries: labels, and the PATH a Dockerfile-built image has
  printf '%s\0' --change "LABEL org.whoami.stand-in=true" \
    --change "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
    --change "LABEL org.whoami.stand-in.recipe=$(recipe)" \
    --change "LABEL org.opencontainers.image.description=\"WhoAmI offline stand-in for mcr.microsoft.com/$1, built by eng/start-image-mirror.sh; not the real image\""
}

build_runtime_deps() {
  local work=$STATE/work/runtime-deps
  rm -rf "$work" && mkdir -p "$work/debs" "$work/rootfs"
  (cd "$work/debs" && apt-get download -q -o APT::Sandbox::User=root libc6 libgcc-s1 libstdc++6 libssl3 zlib1g ca-certificates >/dev/null)
  for deb in "$work"/debs/*.deb; do dpkg-deb -x "$deb" "$work/rootfs"; done
  local root=$work/rootfs
  # Libraries and certificates only: no docs, locales, gconv modules, maintainer scripts or binaries of the packages.
  rm -rf "$root"/usr/share/{doc,man,info,lintian,locale,gcc,gdb} "$root"/usr/lib/x86_64-linux-gnu/gconv \
    "$root"/usr/{bin,sbin} "$root"/{bin,sbin} "$root"/usr/libexec "$root"/usr/lib/x86_64-linux-gnu/{audit,engines-3,ossl-modules} "$root"/usr/lib/ssl/misc
  mkdir -p "$root/etc/ssl/certs" "$root/tmp" "$root/home/app"
  cat "$root"/usr/share/ca-certificates/mozilla/*.crt >"$root/etc/ssl/certs/ca-certificates.crt"
  printf 'root:x:0:0:root:/root:/noshell\napp:x:1654:1654::/home/app:/noshell\n' >"$root/etc/passwd"
  printf 'root:x:0:\napp:x:1654:\n' >"$root/etc/group"
  chmod 1777 "$root/tmp" && chown 1654:1654 "$root/home/app"
  local changes=()
  mapfile -d '' changes < <(stand_in_changes "$RUNTIME_DEPS")
  tar --numeric-owner -C "$root" -c . | docker import "${changes[@]}" \
    --change "ENV APP_UID=1654" --change "ENV ASPNETCORE_HTTP_PORTS=8080" --change "ENV DOTNET_RUNNING_IN_CONTAINER=true" \
    --change "USER 1654" - whoami-stand-in/runtime-deps >/dev/null
  push whoami-stand-in/runtime-deps "$RUNTIME_DEPS"
}

build_sdk() {
  local work=$STATE/work/sdk mirror
  mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  rm -rf "$work" && mkdir -p "$work"
  say "debootstrap bookworm (log: $STATE/logs/debootstrap.log)"
  debootstrap --variant=minbase --include=ca-certificates,clang,zlib1g-dev,libicu72 bookworm "$work/rootfs" ${mirror:+"$mirror"} \
    >"$STATE/logs/debootstrap.log" 2>&1 || { tail -20 "$STATE/logs/debootstrap.log" >&2; exit 1; }
  local root=$work/rootfs dotnet_root
  dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")")
  cp -a "$dotnet_root" "$root/usr/share/dotnet" && ln -sf /usr/share/dotnet/dotnet "$root/usr/bin/dotnet"
  cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/usr/share/{doc,man,info}
  local changes=() runtime
  runtime=$(dotnet --list-runtimes | awk '/Microsoft.NETCore.App/ {v=$2} END {print v}')
  mapfile -d '' changes < <(stand_in_changes "$SDK")
  tar --numeric-owner -C "$root" -c . | docker import "${changes[@]}" \
    --change "ENV APP_UID=1654" --change "ENV ASPNETCORE_HTTP_PORTS=8080" --change "ENV DOTNET_RUNNING_IN_CONTAINER=true" \
    --change "ENV DOTNET_VERSION=$runtime" --change "ENV DOTNET_SDK_VERSION=$(dotnet --version)" \
    --change "ENV DOTNET_NOLOGO=true" --change "ENV DOTNET_CLI_TELEMETRY_OPTOUT=1" --change "ENV NUGET_XMLDOC_MODE=skip" \
    --change "ENV NUGET_CERT_REVOCATION_MODE=offline" --change "ENV DOTNET_GENERATE_ASPNET_CERTIFICATE=false" \
    --change "CMD [\"/bin/bash\"]" - whoami-stand-in/sdk >/dev/null
  push whoami-stand-in/sdk "$SDK"
}

start_engine
start_registry
for image in "$RUNTIME_DEPS" "$SDK"; do
  if [ "${WHOAMI_MIRROR_SOURCE:-stand-in}" = mcr ]; then
    has_image "$image" || { say "copying mcr.microsoft.com/$image"; skopeo copy -q --dest-tls-verify=false "docker://mcr.microsoft.com/$image" "docker://$REGISTRY/$image"; }
  elif has_image "$image" "$(recipe)"; then
    say "$REGISTRY/$image is up to date"
  else
    say "building the stand-in for $image"
    case $image in
      "$RUNTIME_DEPS") build_runtime_deps ;;
      "$SDK") build_sdk ;;
    esac
  fi
done
say "ready: build with -p:BaseImageRegistry=$REGISTRY or --build-arg BASE_IMAGE_REGISTRY=$REGISTRY"
