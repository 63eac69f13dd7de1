# build_runtime_deps NAME:TAG: the chiseled runtime-deps stand-in for each of WhoAmI's architectures, one manifest list
# under NAME:TAG in Docker's media types as the real image is (each platform also as NAME:TAG-ARCH), and the same in
# OCI's media types under NAME:TAG-oci (the SDK's multi-arch archive needs an OCI base; see docs/multi-arch.md). Debian 12's glibc,
# libgcc, libstdc++, OpenSSL, zlib and CA certificates, /etc/passwd with app (uid 1654), no shell, no package manager.
# The arm64 packages come through an APT configuration of this script's own; the host's dpkg is left alone.
build_runtime_deps() {
  local arch triplet archs=() changes=()
  while read -r arch triplet; do
    runtime_deps_rootfs "$arch" "$triplet"
    mapfile -d '' changes < <(dotnet_changes "$1" runtime-deps.sh)
    build_platform_image "$arch" "$STATE/work/runtime-deps/$arch/rootfs.tar" "$1" "${changes[@]}" --change "USER 1654"
    archs+=("$arch")
  done < <(architectures)
  # The OCI index first: the Docker one, which start-image-mirror.sh checks, last.
  push_index "$1" oci "${archs[@]}"
  push_index "$1" docker "${archs[@]}"
}

runtime_deps_rootfs() { # runtime_deps_rootfs ARCH TRIPLET: $STATE/work/runtime-deps/ARCH/rootfs.tar
  local work=$STATE/work/runtime-deps/$1 triplet=$2
  rm -rf "$work" && mkdir -p "$work/debs" "$work/rootfs"
  (cd "$work/debs" && apt_for "$1" download -q libc6 libgcc-s1 libstdc++6 libssl3 zlib1g ca-certificates >/dev/null)
  for deb in "$work"/debs/*.deb; do dpkg-deb -x "$deb" "$work/rootfs"; done
  local root=$work/rootfs
  # Libraries and certificates only: no docs, locales, gconv modules, maintainer scripts or binaries of the packages.
  rm -rf "$root"/usr/share/{doc,man,info,lintian,locale,gcc,gdb} "$root/usr/lib/$triplet/gconv" \
    "$root"/usr/{bin,sbin} "$root"/{bin,sbin} "$root"/usr/libexec "$root/usr/lib/$triplet"/{audit,engines-3,ossl-modules} "$root"/usr/lib/ssl/misc
  mkdir -p "$root/etc/ssl/certs" "$root/tmp" "$root/home/app"
  cat "$root"/usr/share/ca-certificates/mozilla/*.crt >"$root/etc/ssl/certs/ca-certificates.crt"
  printf 'root:x:0:0:root:/root:/noshell\napp:x:1654:1654::/home/app:/noshell\n' >"$root/etc/passwd"
  printf 'root:x:0:\napp:x:1654:\n' >"$root/etc/group"
  chmod 1777 "$root/tmp" && chown 1654:1654 "$root/home/app"
  tar --numeric-owner -C "$root" -cf "$work/rootfs.tar" .
}
