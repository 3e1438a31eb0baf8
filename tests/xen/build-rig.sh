#!/bin/sh
# Assemble the nested-Xen test rig from Debian 12 packages, without installing
# them: the packages are downloaded (apt-get download) and unpacked (dpkg-deb)
# under build/xen-rig/, which then holds
#
#   xen           Xen 4.17 hypervisor, gunzipped ELF (QEMU -kernel)
#   xen-shadow    Debian 12's first Xen 4.17 hypervisor (4.17.5, bookworm
#                 main), which still has shadow paging: PV live migration
#                 needs it (log-dirty for PV is shadow mode) and 4.17.7
#                 builds without it (XSA-495 made it opt-in). The same
#                 toolstack runs on both. Only the PV migration scenarios
#                 use it (tests/xen/shadow-plan); absent, they skip.
#   vmlinuz       Debian 6.1 Linux kernel for dom0
#   dom0.cpio.gz  base dom0 initramfs: busybox, xl, xenstored, xenconsoled,
#                 xen-init-dom0, xenstore tools, xentop, the five Xen modules,
#                 their libraries, and the HVM device model (qemu-system-xen,
#                 SeaBIOS, keymaps, hvmloader)
#
# The per-run payload (guest kernel, configs, scenarios, /init) is a second
# cpio archive that tests/xen/run.py appends; it is not built here.
#
# Idempotent: reruns only check a stamp. XEN_RIG_FORCE=1 rebuilds.
set -eu

TOP=$(cd "$(dirname "$0")/../.." && pwd)
RIG=${XEN_RIG_DIR:-$TOP/build/xen-rig}
DEBS=$RIG/debs
ROOT=$RIG/sysroot       # every downloaded package unpacked here
STAGE=$RIG/initramfs    # what goes into dom0.cpio.gz
SELF=$TOP/tests/xen/build-rig.sh

log() { echo "xen-rig: $*" >&2; }
die() { echo "xen-rig: error: $*" >&2; exit 1; }

SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo

# ---- host prerequisites --------------------------------------------------
need_pkgs=
command -v qemu-system-x86_64 >/dev/null || need_pkgs="$need_pkgs qemu-system-x86"
command -v cpio >/dev/null || need_pkgs="$need_pkgs cpio"
command -v readelf >/dev/null || need_pkgs="$need_pkgs binutils"
command -v gzip >/dev/null || need_pkgs="$need_pkgs gzip"
command -v python3 >/dev/null || need_pkgs="$need_pkgs python3"
if [ -n "$need_pkgs" ]; then
	log "installing host tools:$need_pkgs"
	$SUDO apt-get update -qq || true
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $need_pkgs >&2
fi

# ---- which packages --------------------------------------------------------
# Direct pieces of the rig; their library dependencies are added below.
TOP_PKGS="xen-hypervisor-4.17-amd64 xen-utils-4.17 xenstore-utils busybox-static
	qemu-system-xen qemu-system-data seabios"

if ! apt-cache show xen-utils-4.17 >/dev/null 2>&1 ||
   ! apt-cache show linux-image-amd64 >/dev/null 2>&1; then
	log "package lists lack xen-utils-4.17/linux-image-amd64: apt-get update"
	$SUDO apt-get update -qq
fi

KPKG=$(apt-cache depends linux-image-amd64 2>/dev/null |
	sed -n 's/^ *Depends: \(linux-image-6\.1[^ ]*\)$/\1/p' | head -1)
[ -n "$KPKG" ] || die "cannot find the linux-image-6.1 package linux-image-amd64 depends on"

# Library closure of the toolstack and device model (Depends only).
LIB_PKGS=$(apt-cache depends --recurse --no-recommends --no-suggests \
	--no-conflicts --no-breaks --no-replaces --no-enhances \
	xen-utils-4.17 xenstore-utils qemu-system-xen 2>/dev/null |
	grep -E '^(lib|zlib1g$)' | grep -vE '^(libperl|libpython)' | sort -u | tr '\n' ' ')

ALL_PKGS="$TOP_PKGS $LIB_PKGS"
# One apt-cache call for every candidate version ("pkg version" lines).
mkdir -p "$RIG"
apt-cache policy $ALL_PKGS $KPKG | awk '
	/^[^ ].*:$/ { sub(/:$/, ""); p = $0 }
	/^  Candidate:/ { print p, $2 }' > "$RIG/versions.new"
ver() { awk -v p="$1" '$1 == p { v = $2; gsub(/:/, "%3a", v); print v }' "$RIG/versions.new"; }
# The stamp names the exact versions, so a security update rebuilds the rig.
want=$( (cat "$RIG/versions.new"; md5sum < "$SELF") | md5sum | cut -d' ' -f1)

# ---- the hypervisor with shadow paging ----------------------------------
# The bookworm-main version of xen-hypervisor-4.17-amd64 (not the security
# update), kept only if its config has CONFIG_SHADOW_PAGING=y.
shadow_xen() {
	_v=$(apt-cache madison xen-hypervisor-4.17-amd64 2>/dev/null |
		awk -F'|' '$3 ~ /bookworm\/main/ && $3 !~ /security|updates/ { gsub(/ /, "", $2); print $2; exit }')
	[ -n "$_v" ] || { log "no bookworm-main xen-hypervisor-4.17-amd64: no xen-shadow (PV migration scenarios skip)"; return 0; }
	[ -f "$RIG/xen-shadow" ] && [ "$(cat "$RIG/xen-shadow.version" 2>/dev/null)" = "$_v" ] && return 0
	_d=$RIG/shadow.tmp
	rm -rf "$_d"; mkdir -p "$_d"; chmod 777 "$_d" 2>/dev/null || true
	(cd "$_d" && apt-get download "xen-hypervisor-4.17-amd64=$_v" >/dev/null 2>"$RIG/download.err") ||
		{ cat "$RIG/download.err" >&2; log "cannot download xen-hypervisor-4.17-amd64=$_v: no xen-shadow"; rm -rf "$_d"; return 0; }
	dpkg-deb -x "$_d"/*.deb "$_d/x"
	if ! grep -q '^CONFIG_SHADOW_PAGING=y' "$_d"/x/boot/xen-4.17-amd64.config 2>/dev/null; then
		log "xen-hypervisor-4.17-amd64=$_v has no shadow paging: no xen-shadow"; rm -rf "$_d"; return 0
	fi
	gzip -dc "$_d"/x/boot/xen-4.17-amd64.gz > "$RIG/xen-shadow"
	echo "$_v" > "$RIG/xen-shadow.version"
	rm -rf "$_d"
	log "xen-shadow: Xen $_v (shadow paging) for the PV migration scenarios"
}
shadow_xen

if [ "${XEN_RIG_FORCE:-0}" != 1 ] && [ -f "$RIG/stamp" ] &&
   [ "$(cat "$RIG/stamp")" = "$want" ] &&
   [ -f "$RIG/xen" ] && [ -f "$RIG/vmlinuz" ] && [ -f "$RIG/dom0.cpio.gz" ]; then
	log "up to date ($RIG)"
	exit 0
fi

# ---- download ----------------------------------------------------------------
mkdir -p "$DEBS"
cd "$DEBS"
missing=
for p in $ALL_PKGS $KPKG; do
	vf=$(ver "$p")
	[ -n "$vf" ] && [ "$vf" != "(none)" ] || die "no candidate for package $p"
	# apt-get download names files PKG_VERSION_ARCH.deb with ':' as %3a
	ls "${p}_${vf}_"*.deb >/dev/null 2>&1 || missing="$missing $p=$(echo "$vf" | sed 's/%3a/:/')"
done
if [ -n "$missing" ]; then
	log "downloading:$missing"
	# apt's _apt user must be able to write here when we are root
	chmod 777 "$DEBS" 2>/dev/null || true
	apt-get download $missing >/dev/null 2>"$RIG/download.err" ||
		{ cat "$RIG/download.err" >&2; die "apt-get download failed"; }
fi
cd "$TOP"

# ---- unpack ------------------------------------------------------------------
rm -rf "$ROOT" "$STAGE"
mkdir -p "$ROOT" "$STAGE"
for p in $ALL_PKGS; do
	v=$(ver "$p")
	dpkg-deb -x "$(ls "$DEBS/${p}_${v}_"*.deb | head -1)" "$ROOT"
done
# The kernel package is 70 MB; take only vmlinuz and the Xen modules.
kv=$(ver "$KPKG")
KDEB=$(ls "$DEBS/${KPKG}_${kv}_"*.deb | head -1)
dpkg-deb --fsys-tarfile "$KDEB" | tar -x -C "$ROOT" --wildcards \
	'./boot/vmlinuz-*' './lib/modules/*/kernel/drivers/xen/*'

gzip -dc "$ROOT"/boot/xen-4.17-amd64.gz > "$RIG/xen.tmp" && mv "$RIG/xen.tmp" "$RIG/xen"
cp "$ROOT"/boot/vmlinuz-* "$RIG/vmlinuz"

# ---- dom0 initramfs ------------------------------------------------------
S=$STAGE
mkdir -p $S/bin $S/sbin $S/usr/bin $S/usr/sbin $S/lib64 $S/lib/x86_64-linux-gnu \
	$S/lib/modules $S/proc $S/sys $S/dev $S/run $S/tmp $S/root $S/mnt \
	$S/etc/xen $S/var/lib/xen $S/var/log/xen $S/var/run $S/var/lib/xenstored \
	$S/usr/lib/xen-4.17/bin $S/usr/lib/xen-4.17/boot $S/usr/libexec \
	$S/usr/share/seabios $S/usr/share/qemu $S/xt
cp "$ROOT"/bin/busybox $S/bin/busybox
for a in $("$ROOT"/bin/busybox --list); do
	[ -e $S/bin/$a ] || ln -s busybox $S/bin/$a
done

XBIN=/usr/lib/xen-4.17/bin
BINS="$XBIN/xl $XBIN/xenstored $XBIN/xenconsoled $XBIN/xen-init-dom0
	$XBIN/xenconsole $XBIN/libxl-save-helper $XBIN/xentop $XBIN/xenstore-control
	/usr/bin/xenstore /usr/libexec/xen-qemu-system-i386"
for b in $BINS; do
	[ -f "$ROOT$b" ] || die "missing $b in the unpacked packages"
	mkdir -p "$S$(dirname $b)"
	cp "$ROOT$b" "$S$b"
done
for t in read write ls list rm exists chmod watch; do
	ln -sf xenstore $S/usr/bin/xenstore-$t
done
for b in xl xenstored xenconsoled xen-init-dom0 xenconsole xentop; do
	ln -sf ..$XBIN/$b $S/usr/sbin/$b
done
cp "$ROOT"/usr/lib/xen-4.17/boot/hvmloader $S/usr/lib/xen-4.17/boot/
cp "$ROOT"/usr/share/seabios/bios-256k.bin $S/usr/share/seabios/
cp -r "$ROOT"/usr/share/qemu/keymaps $S/usr/share/qemu/
# xl looks for the device model and firmware where Debian's packaging put them
[ -d "$ROOT"/etc/xen ] && cp -r "$ROOT"/etc/xen/. $S/etc/xen/ 2>/dev/null || true

# Shared libraries: follow DT_NEEDED through the unpacked tree.
LIBDIRS="$ROOT/lib/x86_64-linux-gnu $ROOT/usr/lib/x86_64-linux-gnu $ROOT/usr/lib/xen-4.17/lib"
find_lib() {
	for d in $LIBDIRS; do
		[ -e "$d/$1" ] && { echo "$d/$1"; return 0; }
	done
	return 1
}
queue=""
for b in $BINS; do queue="$queue $ROOT$b"; done
# dlopen()ed, not DT_NEEDED: xl aborts without it when it cancels a thread
queue="$queue $(find_lib libgcc_s.so.1)"
seen=" "
while [ -n "$(echo $queue)" ]; do
	set -- $queue
	f=$1; shift; queue="$*"
	for n in $(readelf -d "$f" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
		case "$seen" in *" $n "*) continue;; esac
		seen="$seen$n "
		l=$(find_lib "$n") || die "library $n (needed by ${f#$ROOT}) is in no unpacked package"
		cp -L "$l" $S/lib/x86_64-linux-gnu/$n
		queue="$queue $l"
	done
	case "$f" in *libgcc_s.so.1)
		cp -L "$f" $S/lib/x86_64-linux-gnu/libgcc_s.so.1;;
	esac
done
ln -sf /lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 $S/lib64/ld-linux-x86-64.so.2
[ -f $S/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 ] ||
	cp -L "$(find_lib ld-linux-x86-64.so.2)" $S/lib/x86_64-linux-gnu/

KVER=$(ls "$ROOT"/lib/modules | head -1)
for m in xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xenfs; do
	f=$(find "$ROOT/lib/modules/$KVER" -name "$m.ko*" | head -1)
	[ -n "$f" ] || die "module $m not found in $KPKG"
	case "$f" in
	*.ko) cp "$f" $S/lib/modules/;;
	*.ko.xz) xz -dc "$f" > $S/lib/modules/$m.ko;;
	*.ko.zst) zstd -dc "$f" > $S/lib/modules/$m.ko;;
	esac
done
echo "$KVER" > $S/etc/dom0-kernel-version

cat > $S/etc/passwd <<EOF
root:x:0:0:root:/root:/bin/sh
EOF
echo "root:x:0:" > $S/etc/group
# Fallback /init; the run payload replaces it with tests/xen/dom0/init.
cat > $S/init <<'EOF'
#!/bin/sh
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
echo "xen-rig: no payload /init, dropping to a shell"
exec /bin/sh
EOF
chmod 755 $S/init

( cd $S && find . | sort | cpio -o -H newc -R 0:0 --quiet ) | gzip -6 > "$RIG/dom0.cpio.gz.tmp"
mv "$RIG/dom0.cpio.gz.tmp" "$RIG/dom0.cpio.gz"
echo "$want" > "$RIG/stamp"
log "built $RIG: xen $(du -h "$RIG/xen" | cut -f1), vmlinuz $(du -h "$RIG/vmlinuz" | cut -f1), dom0.cpio.gz $(du -h "$RIG/dom0.cpio.gz" | cut -f1) ($KPKG)"
