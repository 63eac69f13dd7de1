# What every part of the mirror shares: names, logging, waiting, and how a stand-in is tagged, labelled and pushed.
# Sourced by eng/start-image-mirror.sh; not run on its own.
REGISTRY=localhost:5000
STATE=${WHOAMI_MIRROR_STATE:-/var/lib/whoami-mirror}
MIRROR_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mkdir -p "$STATE/logs"

say() { printf 'mirror: %s\n' "$*" >&2; }

wait_for() { # wait_for SECONDS COMMAND...: retry until the command succeeds
  local deadline=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || return 1
    sleep 0.5
  done
}

recipe() { # recipe SCRIPT: what a stand-in is made from (its script, this file, the SDK); a change rebuilds it
  { cat "$MIRROR_DIR/common.sh" "$MIRROR_DIR/$1" | sha256sum | cut -c1-16; dotnet --version; } | tr '\n' '-' | sed 's/-$//'
}

has_image() { # has_image NAME:TAG [RECIPE]: the registry holds it (made from that recipe)
  local config
  config=$(skopeo inspect --tls-verify=false "docker://$REGISTRY/$1" 2>/dev/null) || return 1
  [ -z "${2:-}" ] || grep -q "\"org.whoami.stand-in.recipe\": \"$2\"" <<<"$config"
}

push() { # push LOCAL_TAG NAME:TAG
  docker tag "$1" "$REGISTRY/$2"
  docker push -q "$REGISTRY/$2" >/dev/null
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
