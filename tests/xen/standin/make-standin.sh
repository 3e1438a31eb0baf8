#!/bin/sh
# Rig self-test: build a stand-in guest from the rig's own Linux kernel and
# busybox (no ballast involved) under build/xen-rig/standin/:
#   vmlinux (ELF, PV + PVH), standin.cpio.gz (its initramfs)
# then: tests/xen/run.py --standin
set -eu
TOP=$(cd "$(dirname "$0")/../../.." && pwd)
RIG=${XEN_RIG_DIR:-$TOP/build/xen-rig}
OUT=$RIG/standin
mkdir -p $OUT
if [ ! -s $OUT/vmlinux ] || [ $RIG/vmlinuz -nt $OUT/vmlinux ]; then
	python3 - "$RIG/vmlinuz" "$OUT/vmlinux" <<'PY'
import lzma, sys
d = open(sys.argv[1], "rb").read()
o = d.find(b"\xfd7zXZ\x00")
open(sys.argv[2], "wb").write(lzma.LZMADecompressor().decompress(d[o:]))
PY
fi
S=$OUT/root
rm -rf $S; mkdir -p $S/bin $S/proc $S/sys $S/dev $S/lib64 $S/lib/x86_64-linux-gnu
I=$RIG/initramfs
cp $I/bin/busybox $S/bin/
for a in sh mount sed cat echo sleep poweroff uname printf; do ln -s busybox $S/bin/$a; done
cp $I/usr/bin/xenstore $S/bin/; ln -s xenstore $S/bin/xenstore-read
for l in $(readelf -d $I/usr/bin/xenstore | sed -n 's/.*NEEDED.*\[\(.*\)\]/\1/p') ld-linux-x86-64.so.2; do
	cp $I/lib/x86_64-linux-gnu/$l $S/lib/x86_64-linux-gnu/
done
for l in $S/lib/x86_64-linux-gnu/*; do
	for n in $(readelf -d $l | sed -n 's/.*NEEDED.*\[\(.*\)\]/\1/p'); do
		cp -n $I/lib/x86_64-linux-gnu/$n $S/lib/x86_64-linux-gnu/
	done
done
ln -s /lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 $S/lib64/
# what Linux runs on xl shutdown (orderly_poweroff)
mkdir -p $S/sbin; printf '#!/bin/sh\nexec /bin/busybox poweroff -f\n' > $S/sbin/poweroff; chmod 755 $S/sbin/poweroff
cp "$(dirname "$0")/guest-init" $S/init; chmod 755 $S/init
(cd $S && find . | cpio -o -H newc -R 0:0 --quiet) | gzip -6 > $OUT/standin.cpio.gz
# HVM: GRUB (BIOS) ISO booting the same Linux on the emulated serial port
if command -v grub-mkrescue >/dev/null && [ -d /usr/lib/grub/i386-pc ] && command -v xorriso >/dev/null; then
	rm -rf $OUT/iso; mkdir -p $OUT/iso/boot/grub
	cp $RIG/vmlinuz $OUT/iso/vmlinuz; cp $OUT/standin.cpio.gz $OUT/iso/
	cat > $OUT/iso/boot/grub/grub.cfg <<'G'
serial --unit=0 --speed=115200
terminal_input serial
terminal_output serial
set timeout=0
menuentry standin {
	linux /vmlinuz console=ttyS0,115200 quiet memhp_default_state=online standin=hvm
	initrd /standin.cpio.gz
}
G
	grub-mkrescue -o $OUT/standin.iso $OUT/iso -- -quiet 2>/dev/null ||
		grub-mkrescue -o $OUT/standin.iso $OUT/iso >/dev/null 2>&1 || rm -f $OUT/standin.iso
else
	echo "standin: no grub-mkrescue/xorriso/grub-pc-bin: no HVM stand-in ISO"
fi
echo "standin: $(du -h $OUT/vmlinux | cut -f1) vmlinux, $(du -h $OUT/standin.cpio.gz | cut -f1) initramfs"
