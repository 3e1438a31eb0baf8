/*
 * The one number and size parser every shell command and the command line use.
 * Numbers: decimal or 0x hex. Sizes: a number with an optional K, M, G or T
 * suffix (binary units, "KiB"/"KB"/"k" accepted). Garbage gives -EINVAL,
 * values that do not fit in 64 bits give -ERANGE; *out is untouched on error.
 */
#ifndef BALLAST_PARSE_H
#define BALLAST_PARSE_H

#include <ballast/types.h>

int parse_u64(const char *s, u64 *out);
int parse_size(const char *s, u64 *out);
/* A human message for the error parse_* returned, for "bad size: ..." lines. */
const char *parse_error(int err);

#endif
