# What every part of the mirror shares: names, logging, waiting, and how a stand-in is tagged, labelled and pushed.
# Sourced by eng/start-image-mirror.sh; not run on its own.
# The local registry, and the namespace in it that the mirror owns: what it holds is the project's, and it never
# writes a name outside it (a registry may already serve another copy of a base image under the upstream name).
REGISTRY=localhost:5000
NAMESPACE=whoami-mirror
MIRROR=$REGISTRY/$NAMESPACE
STATE=${WHOAMI_MIRROR_STATE:-/var/lib/whoami-mirror}
MIRROR_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPOSITORY_ROOT=$(cd "$MIRROR_DIR/../.." && pwd)
mkdir -p "$STATE/logs"

say() { printf 'mirror: %s\n' "$*" >&2; }

wait_for() { # wait_for SECONDS COMMAND...: retry until the command succeeds
  local deadline=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || return 1
    sleep 0.5
  done
}

architectures() { # architectures: "DOCKER-ARCH GNU-TRIPLET" per line, from WhoAmI.csproj's WhoAmIArchitecture items.
  # Docker's architecture names (amd64, arm64) are Debian's too.
  dotnet msbuild "$REPOSITORY_ROOT/WhoAmI/WhoAmI.csproj" -getItem:WhoAmIArchitecture | python3 -c '
import json, sys
for item in json.load(sys.stdin)["Items"]["WhoAmIArchitecture"]:
    print(item["DockerPlatform"].split("/")[1], item["GnuTriplet"])'
}

recipe() { # recipe SCRIPT: what a stand-in is made from (its script, this file, the architectures, the SDK); a change rebuilds it
  { cat "$MIRROR_DIR/common.sh" "$MIRROR_DIR/$1" <(architectures) | sha256sum | cut -c1-16; dotnet --version; } | tr '\n' '-' | sed 's/-$//'
}

has_image() { # has_image NAME:TAG [RECIPE]: the registry holds it (made from that recipe)
  local config
  config=$(skopeo inspect --tls-verify=false "docker://$MIRROR/$1" 2>/dev/null) || return 1
  [ -z "${2:-}" ] || grep -q "\"org.whoami.stand-in.recipe\": \"$2\"" <<<"$config"
}

push() { # push LOCAL_TAG NAME:TAG
  docker tag "$1" "$MIRROR/$2"
  docker push -q "$MIRROR/$2" >/dev/null
  docker rmi -f "$MIRROR/$2" >/dev/null
  docker rmi -f "$1" >/dev/null
}

stand_in_changes() { # stand_in_changes NAME:TAG SCRIPT ORIGIN: the --change arguments every stand-in carries, NUL-separated
  printf '%s\0' --change "LABEL org.whoami.stand-in=true" \
    --change "LABEL org.whoami.stand-in.recipe=$(recipe "$2")" \
    --change "LABEL org.opencontainers.image.description=\"WhoAmI offline stand-in for $3/$1, built by eng/start-image-mirror.sh; not the real image\"" \
    --change "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
}

dotnet_changes() { # dotnet_changes NAME:TAG SCRIPT: a .NET base image's stand-in changes, with the environment the real ones set
  stand_in_changes "$1" "$2" mcr.microsoft.com
  printf '%s\0' --change "ENV APP_UID=1654" --change "ENV ASPNETCORE_HTTP_PORTS=8080" --change "ENV DOTNET_RUNNING_IN_CONTAINER=true"
}

apt_for() { # apt_for ARCH APT-GET-ARGS...: apt-get for another architecture, with lists and cache of its own
  local dir=$STATE/apt/$1
  if [ ! -f "$dir/apt.conf" ]; then
    mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial" && touch "$dir/status"
    printf 'APT::Architecture "%s";\nAPT::Architectures { "%s"; };\nDir::State::Lists "%s";\nDir::State::status "%s";\nDir::Cache "%s";\n' \
      "$1" "$1" "$dir/lists" "$dir/status" "$dir/cache" >"$dir/apt.conf"
  fi
  if [ -z "$(find "$dir/lists" -maxdepth 1 -name '*Packages*' -mmin -1440 2>/dev/null)" ]; then
    APT_CONFIG=$dir/apt.conf apt-get -q -o APT::Sandbox::User=root update >/dev/null
  fi
  APT_CONFIG=$dir/apt.conf apt-get -o APT::Sandbox::User=root "${@:2}"
}

buildkit() { # buildkit BUILD-ARGS...: docker build with BuildKit (buildx where installed, else Debian's 20.10 client)
  if docker buildx version >/dev/null 2>&1; then docker buildx build --load "$@"; else DOCKER_BUILDKIT=1 /usr/bin/docker build "$@"; fi
}

build_platform_image() { # build_platform_image ARCH ROOTFS.TAR NAME:TAG --change INSTRUCTION...: push one platform's image
  # FROM scratch + ADD under BuildKit: the image config names the target platform, and nothing runs (no emulation).
  # (docker import would do the rest, but the 20.10 engine ignores its --platform.) Pushed twice: as NAME:TAG-ARCH
  # in Docker's media types, as the real .NET images are published, and as NAME:TAG-oci-ARCH in OCI's.
  local arch=$1 rootfs=$2 name=$3 context
  shift 3
  context=$(dirname "$rootfs")
  { echo "FROM scratch"; echo "ADD $(basename "$rootfs") /"; while (($#)); do echo "$2"; shift 2; done; } >"$context/Dockerfile"
  buildkit -q --platform "linux/$arch" -t "whoami-stand-in/$arch" "$context" >/dev/null
  skopeo copy -q --dest-tls-verify=false --format v2s2 "docker-daemon:whoami-stand-in/$arch:latest" "docker://$MIRROR/$name-$arch"
  skopeo copy -q --dest-tls-verify=false --format oci "docker-daemon:whoami-stand-in/$arch:latest" "docker://$MIRROR/$name-oci-$arch"
  docker rmi -f "whoami-stand-in/$arch" >/dev/null
}

push_index() { # push_index NAME:TAG docker|oci ARCH...: one tag over the platform images NAME:TAG-ARCH (or -oci-ARCH)
  local name=${1%:*} tag=${1##*:} arch manifest=$STATE/work/manifest.json entries=() list entry suffix=
  if [ "$2" = oci ]; then
    list=application/vnd.oci.image.index.v1+json entry=application/vnd.oci.image.manifest.v1+json suffix=-oci tag=$tag-oci
  else
    list=application/vnd.docker.distribution.manifest.list.v2+json entry=application/vnd.docker.distribution.manifest.v2+json
  fi
  for arch in "${@:3}"; do
    skopeo inspect -n --raw --tls-verify=false "docker://$MIRROR/$1$suffix-$arch" >"$manifest"
    entries+=("$(printf '{"mediaType":"%s","digest":"sha256:%s","size":%d,"platform":{"architecture":"%s","os":"linux"%s}}' "$entry" \
      "$(sha256sum <"$manifest" | cut -d' ' -f1)" "$(wc -c <"$manifest")" "$arch" "$([ "$arch" = arm64 ] && echo ',"variant":"v8"')")")
  done
  local IFS=,
  printf '{"schemaVersion":2,"mediaType":"%s","manifests":[%s]}' "$list" "${entries[*]}" |
    curl -fsS -X PUT -H "Content-Type: $list" --data-binary @- "http://$REGISTRY/v2/$NAMESPACE/$name/manifests/$tag" >/dev/null
}
