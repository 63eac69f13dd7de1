# build_sdk NAME:TAG: the -aot SDK stand-in, for the build platform (linux/amd64) only. Debootstrapped Debian 12 with
# this machine's .NET SDK, clang, zlib headers, the cross toolchain of each other architecture WhoAmI builds (lld,
# binutils and the C library: Native AOT then links linux-arm64 too, as the real -aot images do) and this machine's
# CA bundle (so restore works behind its proxy).
build_sdk() {
  local work=$STATE/work/sdk mirror
  mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  rm -rf "$work" && mkdir -p "$work"
  local arch triplet cross=lld
  while read -r arch triplet; do
    [ "$arch" = amd64 ] || cross+=",gcc-$triplet,binutils-$triplet,libc6-dev-$arch-cross"
  done < <(architectures)
  say "debootstrap bookworm (log: $STATE/logs/debootstrap.log)"
  debootstrap --variant=minbase --include=ca-certificates,clang,zlib1g-dev,libicu72,$cross bookworm "$work/rootfs" ${mirror:+"$mirror"} \
    >"$STATE/logs/debootstrap.log" 2>&1 || { tail -20 "$STATE/logs/debootstrap.log" >&2; exit 1; }
  local root=$work/rootfs dotnet_root
  dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")")
  cp -a "$dotnet_root" "$root/usr/share/dotnet" && ln -sf /usr/share/dotnet/dotnet "$root/usr/bin/dotnet"
  cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/usr/share/{doc,man,info}
  local changes=() runtime
  runtime=$(dotnet --list-runtimes | awk '/Microsoft.NETCore.App/ {v=$2} END {print v}')
  mapfile -d '' changes < <(dotnet_changes "$1" sdk.sh)
  tar --numeric-owner -C "$root" -c . | docker import "${changes[@]}" \
    --change "ENV DOTNET_VERSION=$runtime" --change "ENV DOTNET_SDK_VERSION=$(dotnet --version)" \
    --change "ENV DOTNET_NOLOGO=true" --change "ENV DOTNET_CLI_TELEMETRY_OPTOUT=1" --change "ENV NUGET_XMLDOC_MODE=skip" \
    --change "ENV NUGET_CERT_REVOCATION_MODE=offline" --change "ENV DOTNET_GENERATE_ASPNET_CERTIFICATE=false" \
    --change "CMD [\"/bin/bash\"]" - whoami-stand-in/sdk >/dev/null
  push whoami-stand-in/sdk "$1"
}
