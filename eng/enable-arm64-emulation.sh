#!/usr/bin/env bash
# Lets this x64 machine run linux/arm64 images (docker run --platform linux/arm64 …) through qemu-user-static:
# mounts binfmt_misc when it is not mounted and registers qemu-aarch64 with Debian's flags, which include F (the
# interpreter is opened now, so it works inside containers too). Emulated code is slow: for trying an arm64
# image, never for measuring one. Idempotent. Run as root: eng/enable-arm64-emulation.sh
set -euo pipefail
binfmt=/proc/sys/fs/binfmt_misc
conf=/usr/lib/binfmt.d/qemu-aarch64.conf
[ -f "$conf" ] || { echo "enable-arm64-emulation: $conf is missing: apt-get install qemu-user-static" >&2; exit 1; }
mountpoint -q "$binfmt" || mount -t binfmt_misc binfmt_misc "$binfmt"
[ -e "$binfmt/qemu-aarch64" ] || cat "$conf" >"$binfmt/register"
grep -q '^flags: .*F' "$binfmt/qemu-aarch64" || { echo "enable-arm64-emulation: qemu-aarch64 is registered without the F flag; remove it (echo -1 >$binfmt/qemu-aarch64) and run again" >&2; exit 1; }
echo "enable-arm64-emulation: linux/arm64 binaries run through $(awk '/^interpreter/ {print $2}' "$binfmt/qemu-aarch64")"
