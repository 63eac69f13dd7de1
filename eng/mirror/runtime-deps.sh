# build_runtime_deps NAME:TAG: the chiseled runtime-deps stand-in. Debian 12's glibc, libgcc, libstdc++, OpenSSL,
# zlib and CA certificates, /etc/passwd with app (uid 1654), no shell, no package manager.
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
  mapfile -d '' changes < <(dotnet_changes "$1" runtime-deps.sh)
  tar --numeric-owner -C "$root" -c . | docker import "${changes[@]}" --change "USER 1654" - whoami-stand-in/runtime-deps >/dev/null
  push whoami-stand-in/runtime-deps "$1"
}
