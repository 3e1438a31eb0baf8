#!/bin/sh
# qemu.sh ISO MEM SMP ACCEL BALLOON VIRTIO_MEM VIRTIO_MEM_SIZE: boot ballast
# (machine pc) with its serial console and the QEMU monitor multiplexed on
# stdio: Ctrl-A c switches between the guest's shell and (qemu), Ctrl-A a
# sends a literal Ctrl-A, Ctrl-A h lists the rest. Ctrl-C goes to the guest
# (it cancels the shell line); quit with 'poweroff', or 'quit' at (qemu).
# -no-reboot makes `reboot` and a triple fault end QEMU too. Stdin may be
# a pipe (printf 'free\npoweroff\n' | make run).
#
# BALLOON=1 (default) adds a virtio-balloon device: `balloon 256` at (qemu)
# sets its target in MiB, `info balloon` shows where the guest is.
#
# VIRTIO_MEM=1 (default) adds a virtio-mem device (id vm0) of
# VIRTIO_MEM_SIZE (default 4G) behind the RAM, nothing plugged at boot:
#   -m MEM,maxmem=MEM+VIRTIO_MEM_SIZE
#   -object memory-backend-ram,id=vmem0,size=VIRTIO_MEM_SIZE
#   -device virtio-mem-pci,id=vm0,memdev=vmem0,requested-size=0
# At (qemu): `qom-set vm0 requested-size 1G` asks the guest to plug 1 GiB
# (a multiple of the 2 MiB block), `qom-set vm0 requested-size 0` to unplug
# it all, `info memory-devices` shows the size plugged; in the guest
# `virtio-mem`, `lsmem` and `free` show it. VIRTIO_MEM=0 leaves the device
# (and maxmem) out.
iso=$1 mem=${2:-512M} smp=${3:-1} accel=${4:-tcg} balloon=${5:-1}
vmem=${6:-1} vmem_size=${7:-4G}
if [ "$accel" = kvm ] && [ ! -w /dev/kvm ]; then
	echo "qemu: /dev/kvm not usable, falling back to tcg" >&2
	accel=tcg
fi

# mib SIZE: SIZE (QEMU's -m syntax: a number, MiB without a suffix, or with
# M, G or T) in MiB
mib() {
	n=${1%[MmGgTt]}
	case "$n" in "" | *[!0-9]*) return 1;; esac
	case "$1" in
	*[Gg]) echo $((n * 1024));;
	*[Tt]) echo $((n * 1024 * 1024));;
	*) echo "$n";;
	esac
}

set --
[ "$balloon" = 0 ] || set -- "$@" -device virtio-balloon-pci,id=balloon0
if [ "$vmem" != 0 ]; then
	ram=$(mib "$mem") && [ -n "$ram" ] ||
		{ echo "qemu.sh: MEM '$mem': want a whole number of M, G or T (512M, 1G)" >&2; exit 2; }
	vsz=$(mib "$vmem_size") && [ -n "$vsz" ] && [ "$vsz" -gt 0 ] ||
		{ echo "qemu.sh: VIRTIO_MEM_SIZE '$vmem_size': want a whole number of M, G or T (4G)" >&2; exit 2; }
	mem="${ram}M,maxmem=$((ram + vsz))M"
	set -- "$@" -object memory-backend-ram,id=vmem0,size="${vsz}M" \
		-device virtio-mem-pci,id=vm0,memdev=vmem0,requested-size=0
fi
exec qemu-system-x86_64 -accel "$accel" -machine pc -m "$mem" -smp "$smp" \
	-display none -vga none -no-reboot \
	-chardev stdio,id=con0,mux=on,signal=off -serial chardev:con0 \
	-mon chardev=con0,mode=readline "$@" -cdrom "$iso" -boot d
