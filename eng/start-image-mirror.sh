#!/usr/bin/env bash
# Starts the Docker engine and a local registry on 127.0.0.1:5000 when they are not running, and fills the registry's
# whoami-mirror/ namespace with the base images the builds need. Idempotent: a second run checks and exits in seconds.
# Run: eng/start-image-mirror.sh        (as root; then build with BaseImageRegistry=localhost:5000/whoami-mirror)
#      WHOAMI_MIRROR_SOURCE=mcr eng/start-image-mirror.sh   (copy the real images instead, where mcr.microsoft.com and
#                                                         Docker Hub answer)
#
# Without WHOAMI_MIRROR_SOURCE=mcr the images are STAND-INS, labelled org.whoami.stand-in=true, never the real ones;
# each is made by one script in eng/mirror/ (what it holds is said at its top). They are Debian, not Ubuntu noble;
# sizes of the base layers differ from the real images, the app layer does not.
set -euo pipefail
cd "$(dirname "$0")/mirror"
for part in common.sh engine.sh registry.sh runtime-deps.sh sdk.sh haproxy.sh; do
  # shellcheck source=/dev/null
  source "./$part"
done

# Each image the builds need, the script that makes its stand-in, and the function in it. The base image is
# WhoAmI.csproj's, the SDK image the Dockerfile's: named there, read here.
base_image=$(dotnet msbuild "$REPOSITORY_ROOT/WhoAmI/WhoAmI.csproj" -getProperty:BaseImageName)
sdk_image=$(sed -n 's/^ARG SDK_IMAGE_NAME=//p' "$REPOSITORY_ROOT/Dockerfile")
IMAGES=(
  "$base_image runtime-deps.sh build_runtime_deps"
  "$sdk_image sdk.sh build_sdk"
  "haproxy:3.2 haproxy.sh build_haproxy"
)

start_engine
start_registry
for entry in "${IMAGES[@]}"; do
  read -r image script build <<<"$entry"
  if [ "${WHOAMI_MIRROR_SOURCE:-stand-in}" = mcr ]; then
    origin=mcr.microsoft.com; [[ $image == dotnet/* ]] || origin=docker.io/library
    has_image "$image" || { say "copying $origin/$image"; skopeo copy -q --all --dest-tls-verify=false "docker://$origin/$image" "docker://$MIRROR/$image"; }
  elif has_image "$image" "$(recipe "$script")"; then
    say "$MIRROR/$image is up to date"
  else
    say "building the stand-in for $image"
    "$build" "$image"
  fi
done
say "ready: build with -p:BaseImageRegistry=$MIRROR or --build-arg BASE_IMAGE_REGISTRY=$MIRROR; deploy with HAPROXY_IMAGE=$MIRROR/haproxy:3.2"
