#!/bin/sh
# mkiso.sh ELF CMDLINE OUT.iso: a GRUB rescue ISO that boots ELF through
# multiboot2 with CMDLINE. Skips the work when nothing changed.
set -e
elf=$1 cmdline=$2 out=$3
dir=$(dirname "$out")/iso-$(basename "$out" .iso)
stamp="$dir.stamp"
want="$(sha1sum "$elf" | cut -d' ' -f1) $cmdline"
if [ -f "$out" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
	exit 0
fi
rm -rf "$dir"
mkdir -p "$dir/boot/grub"
cp "$elf" "$dir/boot/ballast.elf"
# CMDLINE is written as GRUB script words, so quote like a shell:
#   CMDLINE='mem=256M autorun="free; lsmem"'
cat > "$dir/boot/grub/grub.cfg" <<CFG
set timeout=0
set default=0
menuentry "ballast" {
	multiboot2 /boot/ballast.elf $cmdline
	boot
}
CFG
grub-mkrescue -o "$out" "$dir" >/dev/null 2>&1 || {
	echo "mkiso: grub-mkrescue failed" >&2
	grub-mkrescue -o "$out" "$dir"
	exit 1
}
printf '%s' "$want" > "$stamp"
echo "  ISO     $out"
