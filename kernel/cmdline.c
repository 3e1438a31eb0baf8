/* Kernel command line lookup; host-testable (no console, no arch). */
#include <ballast/cmdline.h>
#include <ballast/errno.h>
#include <ballast/string.h>

char boot_cmdline[CMDLINE_MAX];

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Finds the end of the word at s, honouring double quotes. */
static const char *word_end(const char *s)
{
	bool quoted = false;

	for (; *s; s++) {
		if (*s == '"')
			quoted = !quoted;
		else if (is_space(*s) && !quoted)
			break;
	}
	return s;
}

static int copy_value(const char *v, const char *end, char *val, size_t len)
{
	size_t n = 0;

	for (const char *p = v; p < end; p++)
		if (*p != '"')
			n++;
	if (n + 1 > len)
		return -E2BIG;
	for (n = 0; v < end; v++)
		if (*v != '"')
			val[n++] = *v;
	val[n] = 0;
	return 0;
}

int cmdline_param(const char *cmdline, const char *key, char *val, size_t len)
{
	size_t klen = strlen(key);
	const char *s = cmdline;

	while (*s) {
		while (is_space(*s))
			s++;
		const char *end = word_end(s);
		if ((size_t)(end - s) >= klen && strncmp(s, key, klen) == 0) {
			const char *v = s + klen;
			if (v == end)
				return copy_value(v, v, val, len);
			if (*v == '=')
				return copy_value(v + 1, end, val, len);
		}
		s = end;
	}
	return -ENOENT;
}

void cmdline_for_each_cmd(const char *list, void (*fn)(const char *cmd))
{
	char buf[CMDLINE_MAX];
	const char *s = list;

	while (*s) {
		const char *e = strchr(s, ';');
		size_t n = e ? (size_t)(e - s) : strlen(s);

		while (n && is_space(*s))
			s++, n--;
		while (n && is_space(s[n - 1]))
			n--;
		if (n && n < sizeof(buf)) {
			memcpy(buf, s, n);
			buf[n] = 0;
			fn(buf);
		}
		s += e ? (size_t)(e - s) + 1 : strlen(s);
	}
}
