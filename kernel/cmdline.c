/* Kernel command line lookup; host-testable (no console, no arch). */
#include <ballast/cmdline.h>
#include <ballast/errno.h>
#include <ballast/string.h>

char boot_cmdline[CMDLINE_MAX];
bool boot_cmdline_dropped;

void cmdline_set(const char *s)
{
	if (strlcpy(boot_cmdline, s, sizeof(boot_cmdline)) < sizeof(boot_cmdline))
		return;
	boot_cmdline[0] = 0;
	boot_cmdline_dropped = true;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * Copies the next word at *sp into word (quotes removed, \" and \\ inside
 * quotes unescaped) and advances *sp. Both spellings loaders produce work:
 * autorun="a b" as a person writes it, "autorun=a b" as GRUB re-quotes it.
 * Returns false at the end; a word too long for buf is cut (and so will not
 * match any key).
 */
static bool next_word(const char **sp, char *word, size_t len)
{
	const char *s = *sp;
	bool quoted = false;
	size_t n = 0;

	while (is_space(*s))
		s++;
	if (!*s)
		return false;
	for (; *s && (quoted || !is_space(*s)); s++) {
		char c = *s;
		if (c == '"') {
			quoted = !quoted;
			continue;
		}
		if (c == '\\' && quoted && (s[1] == '"' || s[1] == '\\'))
			c = *++s;
		if (n + 1 < len)
			word[n++] = c;
	}
	word[n] = 0;
	*sp = s;
	return true;
}

int cmdline_param(const char *cmdline, const char *key, char *val, size_t len)
{
	static char word[CMDLINE_MAX];
	size_t klen = strlen(key);
	const char *s = cmdline;

	while (next_word(&s, word, sizeof(word))) {
		if (strncmp(word, key, klen) != 0)
			continue;
		if (word[klen] != 0 && word[klen] != '=')
			continue;
		const char *v = word[klen] ? word + klen + 1 : word + klen;
		if (strlen(v) + 1 > len)
			return -E2BIG;
		strlcpy(val, v, len);
		return 0;
	}
	return -ENOENT;
}

int cmdline_switch(const char *cmdline, const char *key, const char *on_word,
		   const char *off_word, bool *on)
{
	char val[16];
	int err = cmdline_param(cmdline, key, val, sizeof(val));

	if (err == -ENOENT)
		return 0;
	if (err || (strcmp(val, on_word) != 0 && strcmp(val, off_word) != 0))
		return -EINVAL;
	*on = strcmp(val, on_word) == 0;
	return 1;
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
