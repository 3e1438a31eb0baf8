#!/bin/sh
# The Linux side of make bench-qemu: Debian 12's own 6.1 kernel and its
# virtio balloon and virtio-mem modules, with a busybox initramfs, booted bare under the
# same QEMU as ballast. Nothing is installed: the packages are downloaded
# (apt-get download) into a cache and unpacked with dpkg-deb. Output, under
# build/qemu-bench/linux/ (QEMU_BENCH_LINUX_DIR):
#
#   vmlinuz       the kernel of linux-image-6.1.*-amd64
#   initrd.gz     busybox-static, the seven virtio modules (insmod in /init,
#                 in `modinfo -F depends` order) and tests/qemu/bench/linux-init
#
# Debs already in build/xen-rig/debs (make xen-rig) are used, not fetched
# again. Idempotent: reruns only check a stamp; QEMU_BENCH_FORCE=1 rebuilds.
set -eu

TOP=$(cd "$(dirname "$0")/../../.." && pwd)
OUT=${QEMU_BENCH_LINUX_DIR:-$TOP/build/qemu-bench/linux}
DEBS=$TOP/build/qemu-bench/debs
XEN_DEBS=${XEN_RIG_DIR:-$TOP/build/xen-rig}/debs
HERE=$TOP/tests/qemu/bench
# the balloon's and virtio-mem's stack, leaves last; the order /init uses is
# computed below (virtio_mem depends on virtio and virtio_ring only: the
# hotplug it needs is built in)
MODS="virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_balloon virtio_mem"

log() { echo "qemu-bench: $*" >&2; }
die() { echo "qemu-bench: error: $*" >&2; exit 1; }

SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo
for t in cpio gzip dpkg-deb apt-get; do
	command -v $t >/dev/null || die "$t is missing (apt-get install cpio gzip dpkg apt)"
done

if ! apt-cache show linux-image-amd64 >/dev/null 2>&1; then
	log "package lists lack linux-image-amd64: apt-get update"
	$SUDO apt-get update -qq
fi
KPKG=$(apt-cache depends linux-image-amd64 2>/dev/null |
	sed -n 's/^ *Depends: \(linux-image-6\.1[^ ]*-amd64\)$/\1/p' | head -1)
[ -n "$KPKG" ] || die "cannot find the linux-image-6.1.*-amd64 package linux-image-amd64 depends on"
PKGS="$KPKG busybox-static"

mkdir -p "$OUT" "$DEBS"
apt-cache policy $PKGS | awk '
	/^[^ ].*:$/ { sub(/:$/, ""); p = $0 }
	/^  Candidate:/ { print p, $2 }' > "$OUT/versions.new"
ver() { awk -v p="$1" '$1 == p { v = $2; gsub(/:/, "%3a", v); print v }' "$OUT/versions.new"; }
want=$( (cat "$OUT/versions.new"; cat "$0" "$HERE/linux-init") | md5sum | cut -d' ' -f1)
if [ "${QEMU_BENCH_FORCE:-0}" != 1 ] && [ -f "$OUT/stamp" ] &&
   [ "$(cat "$OUT/stamp")" = "$want" ] && [ -f "$OUT/vmlinuz" ] && [ -f "$OUT/initrd.gz" ]; then
	log "Linux guest up to date ($OUT)"
	exit 0
fi

# ---- download (or reuse the Xen rig's) ---------------------------------------
deb_of() {      # deb_of PKG: the cached .deb of PKG's candidate version, or nothing
	v=$(ver "$1")
	for d in "$DEBS" "$XEN_DEBS"; do
		f=$(ls "$d/${1}_${v}_"*.deb 2>/dev/null | head -1) || true
		[ -n "$f" ] && { echo "$f"; return 0; }
	done
	return 0
}
missing=
for p in $PKGS; do
	v=$(ver "$p")
	[ -n "$v" ] && [ "$v" != "(none)" ] || die "no candidate for package $p"
	[ -n "$(deb_of "$p")" ] || missing="$missing $p=$(echo "$v" | sed 's/%3a/:/')"
done
if [ -n "$missing" ]; then
	log "downloading:$missing"
	chmod 777 "$DEBS" 2>/dev/null || true     # apt's _apt user writes here
	( cd "$DEBS" && apt-get download $missing >/dev/null 2>"$OUT/download.err" ) ||
		{ cat "$OUT/download.err" >&2; die "apt-get download failed"; }
fi

# ---- unpack: vmlinuz, the modules, busybox ---------------------------------
ROOT=$OUT/unpacked
S=$OUT/initramfs
rm -rf "$ROOT" "$S"
mkdir -p "$ROOT" "$S"/bin "$S"/proc "$S"/sys "$S"/dev "$S"/lib/modules
dpkg-deb --fsys-tarfile "$(deb_of "$KPKG")" | tar -x -C "$ROOT" --wildcards \
	'./boot/vmlinuz-*' './lib/modules/*/kernel/drivers/virtio/*'
dpkg-deb -x "$(deb_of busybox-static)" "$ROOT"
BB=$ROOT/bin/busybox
[ -x "$BB" ] || die "busybox-static has no /bin/busybox"
cp "$ROOT"/boot/vmlinuz-* "$OUT/vmlinuz"
KVER=$(ls "$ROOT/lib/modules" | head -1)
MD=$ROOT/lib/modules/$KVER/kernel/drivers/virtio

ko_of() {       # ko_of NAME: the uncompressed .ko file of module NAME
	f=$(find "$MD" -name "$1.ko*" | head -1)
	[ -n "$f" ] || die "module $1 is not in $KPKG"
	case "$f" in
	*.ko) echo "$f";;
	*.ko.xz) xz -dc "$f" > "$MD/$1.ko"; echo "$MD/$1.ko";;
	*.ko.zst) zstd -dc "$f" > "$MD/$1.ko"; echo "$MD/$1.ko";;
	esac
}
depends() {     # modinfo -F depends; without kmod, the same field read from
	# the module's .modinfo section (NUL-separated key=value strings)
	if command -v modinfo >/dev/null; then modinfo -F depends "$1"
	else tr '\0' '\n' < "$1" | sed -n 's/^depends=//p' | head -1; fi
}
# Order: a module after everything it depends on (a depth-first walk).
ORDER=" "
visit() {
	case "$ORDER" in *" $1 "*) return;; esac
	case " $VISITING " in *" $1 "*) die "module dependency cycle at $1";; esac
	VISITING="$VISITING $1"
	for d in $(depends "$(ko_of "$1")" | tr ',' ' '); do
		d=$(echo "$d" | tr '-' '_')
		visit "$d"
	done
	ORDER="$ORDER$1 "
}
VISITING=
for m in $MODS; do visit "$m"; done
for m in $ORDER; do
	cp "$(ko_of "$m")" "$S/lib/modules/$m.ko"
done
echo $ORDER > "$S/lib/modules/order"
log "insmod order: $(echo $ORDER)"

cp "$BB" "$S/bin/busybox"
for a in sh mount umount mkdir dd rm cat grep sed echo sleep poweroff insmod uname printf awk free head tr; do
	ln -s busybox "$S/bin/$a"
done
cp "$HERE/linux-init" "$S/init"
chmod 755 "$S/init"
echo "$KVER" > "$S/kernel-version"
( cd "$S" && find . | sort | cpio -o -H newc -R 0:0 --quiet ) | gzip -6 > "$OUT/initrd.gz.tmp"
mv "$OUT/initrd.gz.tmp" "$OUT/initrd.gz"
rm -rf "$ROOT"
echo "$want" > "$OUT/stamp"
log "built $OUT: vmlinuz $(du -h "$OUT/vmlinuz" | cut -f1), initrd.gz $(du -h "$OUT/initrd.gz" | cut -f1) ($KPKG $KVER)"
