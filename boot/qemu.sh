#!/bin/sh
# qemu.sh ISO MEM SMP ACCEL: boot ballast with its serial console on stdio.
# Ctrl-C goes to the guest (it cancels the shell line); quit with 'poweroff'
# or, as a last resort, close the terminal. -no-reboot makes `reboot` and a
# triple fault end QEMU too.
iso=$1 mem=${2:-512M} smp=${3:-1} accel=${4:-tcg}
if [ "$accel" = kvm ] && [ ! -w /dev/kvm ]; then
	echo "qemu: /dev/kvm not usable, falling back to tcg" >&2
	accel=tcg
fi
exec qemu-system-x86_64 -accel "$accel" -m "$mem" -smp "$smp" \
	-display none -vga none -no-reboot \
	-chardev stdio,id=con0,signal=off -serial chardev:con0 \
	-monitor none -cdrom "$iso" -boot d
