/* Error numbers: functions return them negated (-ENOMEM), as Linux does. */
#ifndef BALLAST_ERRNO_H
#define BALLAST_ERRNO_H

#define EPERM 1
#define ENOENT 2
#define EINTR 4
#define EIO 5
#define ENXIO 6
#define E2BIG 7
#define EAGAIN 11
#define ENOMEM 12
#define EACCES 13
#define EFAULT 14
#define EBUSY 16
#define EEXIST 17
#define ENODEV 19
#define EINVAL 22
#define ENOSPC 28
#define ERANGE 34
#define ENOSYS 38
#define ENOTEMPTY 39
#define ENODATA 61
#define EOVERFLOW 75
#define ETIMEDOUT 110
#define EALREADY 114

/* "EBUSY" for -16 and so on; unknown numbers give "E?". */
const char *errno_name(int err);

#endif
