# build_haproxy NAME:TAG: the stand-in for Docker Hub's official haproxy image, made from Debian 12's haproxy package
# (2.6, older than the tag it stands in for) and the libraries it links. Laid out like the official image: the
# configuration at /usr/local/etc/haproxy/haproxy.cfg, user haproxy (uid 99), and master-worker mode (-W) so that
# HAProxy as PID 1 stops on a signal. No shell. (The official image also says STOPSIGNAL SIGUSR1, which
# `docker import` cannot set; deploy/ asks for SIGUSR1 itself.)
build_haproxy() {
  local work=$STATE/work/haproxy
  rm -rf "$work" && mkdir -p "$work/debs" "$work/rootfs"
  (cd "$work/debs" && apt-get download -q -o APT::Sandbox::User=root haproxy libc6 libcrypt1 libssl3 liblua5.3-0 libsystemd0 \
    libpcre2-8-0 libopentracing-c-wrapper0 libopentracing1 libcap2 libgcrypt20 libgpg-error0 liblzma5 libzstd1 liblz4-1 \
    libstdc++6 libgcc-s1 >/dev/null)
  for deb in "$work"/debs/*.deb; do dpkg-deb -x "$deb" "$work/rootfs"; done
  local root=$work/rootfs
  rm -rf "$root"/usr/share/{doc,man,info,lintian,locale,gcc,gdb,vim} "$root"/usr/lib/x86_64-linux-gnu/gconv "$root"/usr/bin \
    "$root"/usr/sbin/halog "$root"/usr/libexec "$root"/{bin,sbin} "$root"/etc/{init.d,logrotate.d,rsyslog.d,default} \
    "$root"/lib/systemd "$root"/usr/lib/{systemd,tmpfiles.d} "$root"/usr/lib/x86_64-linux-gnu/{engines-3,ossl-modules} "$root"/usr/lib/ssl/misc
  mkdir -p "$root/usr/local/etc/haproxy" "$root/var/lib/haproxy" "$root/tmp"
  cp "$root/etc/haproxy/haproxy.cfg" "$root/usr/local/etc/haproxy/haproxy.cfg"
  printf 'root:x:0:0:root:/root:/noshell\nhaproxy:x:99:99::/var/lib/haproxy:/noshell\n' >"$root/etc/passwd"
  printf 'root:x:0:\nhaproxy:x:99:\n' >"$root/etc/group"
  chmod 1777 "$root/tmp" && chown 99:99 "$root/var/lib/haproxy"
  local changes=()
  mapfile -d '' changes < <(stand_in_changes "$1" haproxy.sh docker.io/library)
  tar --numeric-owner -C "$root" -c . | docker import "${changes[@]}" --change "USER haproxy" --change "WORKDIR /var/lib/haproxy" \
    --change 'CMD ["haproxy", "-W", "-db", "-f", "/usr/local/etc/haproxy/haproxy.cfg"]' \
    - whoami-stand-in/haproxy >/dev/null
  push whoami-stand-in/haproxy "$1"
}
