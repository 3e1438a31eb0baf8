/* Kernel symbol lookup for backtraces (kernel/ksyms.c). */
#ifndef BALLAST_KSYMS_H
#define BALLAST_KSYMS_H

#include <ballast/types.h>

/* Name of the function containing addr, or NULL; *offset from its start. */
const char *ksym_lookup(u64 addr, u64 *offset);

#endif
