#!/bin/sh
# Installs the Debian packages ballast's build, run and tests need, only when
# something is missing (fast no-op otherwise). Needs root for apt-get.
set -e
need=""
check() { command -v "$1" >/dev/null 2>&1 || need="$need $2"; }
check gcc gcc
check make make
check ld binutils
check python3 python3
check qemu-system-x86_64 qemu-system-x86
check grub-mkrescue grub-common
check xorriso xorriso
check mformat mtools
check valgrind valgrind
[ -d /usr/lib/grub/i386-pc ] || need="$need grub-pc-bin"
[ -f /usr/include/xen/xen.h ] || need="$need libxen-dev"
[ -f /usr/include/linux/virtio_pci.h ] || need="$need linux-libc-dev"
[ -z "$need" ] && exit 0
echo "deps: installing:$need"
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $need >/dev/null
