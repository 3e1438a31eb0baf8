#!/bin/sh
# qemu.sh ISO MEM SMP ACCEL BALLOON: boot ballast (machine pc) with its
# serial console and the QEMU monitor multiplexed on stdio: Ctrl-A c
# switches between the guest's shell and (qemu), Ctrl-A a sends a
# literal Ctrl-A, Ctrl-A h lists the rest. Ctrl-C goes to the guest (it
# cancels the shell line); quit with 'poweroff', or 'quit' at (qemu).
# -no-reboot makes `reboot` and a triple fault end QEMU too. BALLOON=1
# (default) adds a virtio-balloon device: `balloon 256` at (qemu) sets its
# target in MiB, `info balloon` shows where the guest is.
iso=$1 mem=${2:-512M} smp=${3:-1} accel=${4:-tcg} balloon=${5:-1}
if [ "$accel" = kvm ] && [ ! -w /dev/kvm ]; then
	echo "qemu: /dev/kvm not usable, falling back to tcg" >&2
	accel=tcg
fi
set --
[ "$balloon" = 0 ] || set -- -device virtio-balloon-pci,id=balloon0
exec qemu-system-x86_64 -accel "$accel" -machine pc -m "$mem" -smp "$smp" \
	-display none -vga none -no-reboot \
	-chardev stdio,id=con0,mux=on,signal=off -serial chardev:con0 \
	-mon chardev=con0,mode=readline "$@" -cdrom "$iso" -boot d
