/*
 * Numbers and sizes for the shell and the kernel command line. Written once:
 * every command that takes a number or a size calls these.
 */
#include <ballast/parse.h>
#include <ballast/errno.h>

static int digit_value(char c, unsigned base)
{
	unsigned v;

	if (c >= '0' && c <= '9')
		v = c - '0';
	else if (c >= 'a' && c <= 'f')
		v = c - 'a' + 10;
	else if (c >= 'A' && c <= 'F')
		v = c - 'A' + 10;
	else
		return -1;
	return v < base ? (int)v : -1;
}

/* Parses the number at *sp, advancing it past the digits. */
static int parse_number(const char **sp, u64 *out)
{
	const char *s = *sp;
	unsigned base = 10;
	u64 v = 0;
	int d, n = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (; (d = digit_value(*s, base)) >= 0; s++, n++) {
		if (v > (~0ULL - d) / base)
			return -ERANGE;
		v = v * base + d;
	}
	if (n == 0)
		return -EINVAL;
	*sp = s;
	*out = v;
	return 0;
}

static int suffix_shift(const char *s, unsigned *shift)
{
	static const char units[] = "KMGT";
	char c = *s;

	if (c == 0) {
		*shift = 0;
		return 0;
	}
	if (c >= 'a' && c <= 'z')
		c -= 'a' - 'A';
	for (unsigned i = 0; units[i]; i++) {
		if (units[i] != c)
			continue;
		s++;
		/* Accept K, KB, KiB (binary units in every spelling). */
		if (s[0] == 'i' && s[1] == 'B')
			s += 2;
		else if (s[0] == 'B' || s[0] == 'b')
			s++;
		if (*s)
			return -EINVAL;
		*shift = 10 * (i + 1);
		return 0;
	}
	if ((c == 'B') && s[1] == 0) {
		*shift = 0;
		return 0;
	}
	return -EINVAL;
}

/* A number, then (for sizes) an optional binary-unit suffix. */
static int parse(const char *s, u64 *out, bool size)
{
	unsigned shift = 0;
	u64 v;
	int err;

	if (!s)
		return -EINVAL;
	err = parse_number(&s, &v);
	if (err)
		return err;
	if (size)
		err = suffix_shift(s, &shift);
	else if (*s)
		err = -EINVAL;
	if (err)
		return err;
	if (shift && v > (~0ULL >> shift))
		return -ERANGE;
	*out = v << shift;
	return 0;
}

int parse_u64(const char *s, u64 *out)
{
	return parse(s, out, false);
}

int parse_size(const char *s, u64 *out)
{
	return parse(s, out, true);
}

const char *parse_error(int err)
{
	if (err == -ERANGE)
		return "number too large";
	return "not a number (use decimal, 0x hex, optional K/M/G/T suffix)";
}
