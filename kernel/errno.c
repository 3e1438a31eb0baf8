/* Names for error numbers, so messages say "EBUSY" rather than "-16". */
#include <ballast/errno.h>
#include <ballast/types.h>

static const struct {
	int err;
	const char *name;
} names[] = {
	{ EPERM, "EPERM" },	  { ENOENT, "ENOENT" },	  { EINTR, "EINTR" },
	{ EIO, "EIO" },		  { E2BIG, "E2BIG" },	  { EAGAIN, "EAGAIN" },
	{ ENOMEM, "ENOMEM" },	  { EACCES, "EACCES" },	  { EFAULT, "EFAULT" },
	{ EBUSY, "EBUSY" },	  { EEXIST, "EEXIST" },	  { ENODEV, "ENODEV" },
	{ EINVAL, "EINVAL" },	  { ENOSPC, "ENOSPC" },	  { ERANGE, "ERANGE" },
	{ ENOSYS, "ENOSYS" },	  { ENOTEMPTY, "ENOTEMPTY" },
	{ ENODATA, "ENODATA" },	  { ETIMEDOUT, "ETIMEDOUT" },
	{ EALREADY, "EALREADY" },
	{ ENXIO, "ENXIO" },	  { EOVERFLOW, "EOVERFLOW" },
};

const char *errno_name(int err)
{
	if (err < 0)
		err = -err;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (names[i].err == err)
			return names[i].name;
	return "E?";
}
