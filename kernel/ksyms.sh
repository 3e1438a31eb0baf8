#!/bin/sh
# ksyms.sh ELF > ksyms.S: the kernel's function symbols as a sorted table,
# linked into the final image so backtraces can name functions. The table
# sits at the end of .rodata, after all code, so adding it moves no function.
set -e
echo '	.section .ksyms, "a"'
echo '	.balign 8'
echo '	.globl ksyms, ksyms_count'
echo 'ksyms:'
nm -n --defined-only "$1" | awk '$2 ~ /^[tTwW]$/ && $3 !~ /^\.L/ {
	printf "\t.quad 0x%s, .Lname%d\n", $1, n; names[n++] = $3 }
	END {
	printf "ksyms_count:\n\t.quad %d\n", n
	for (i = 0; i < n; i++) printf ".Lname%d:\t.asciz \"%s\"\n", i, names[i]
}'
