/* Line editing for the serial shell; see include/ballast/lineedit.h. */
#include <ballast/lineedit.h>
#include <ballast/string.h>

#define CTRL(c) ((c) & 0x1f)

void lineedit_init(struct lineedit *le, void (*echo)(const char *, size_t))
{
	memset(le, 0, sizeof(*le));
	le->echo = echo;
}

static void echo(struct lineedit *le, const char *s, size_t n)
{
	if (le->echo && n)
		le->echo(s, n);
}

static void erase_chars(struct lineedit *le, size_t n)
{
	while (n--)
		echo(le, "\b \b", 3);
}

static void reset_line(struct lineedit *le)
{
	le->len = 0;
	le->overflow = false;
	le->buf[0] = 0;
	le->hist_pos = le->hist_n;
}

/* Replace what is on screen with s. */
static void replace_line(struct lineedit *le, const char *s)
{
	erase_chars(le, le->len);
	le->len = strlcpy(le->buf, s, sizeof(le->buf));
	le->overflow = false;
	echo(le, le->buf, le->len);
}

/* hist[0] is the oldest entry, hist[hist_n - 1] the newest. */
static void history_add(struct lineedit *le)
{
	if (le->len == 0)
		return;
	if (le->hist_n && strcmp(le->hist[le->hist_n - 1], le->buf) == 0)
		return;
	if (le->hist_n == LINEEDIT_HISTORY) {
		memmove(le->hist[0], le->hist[1],
			sizeof(le->hist[0]) * (LINEEDIT_HISTORY - 1));
		le->hist_n--;
	}
	strlcpy(le->hist[le->hist_n++], le->buf, SHELL_LINE_MAX);
}

static void history_move(struct lineedit *le, int dir)
{
	int pos = le->hist_pos + dir;

	if (pos < 0 || pos > le->hist_n)
		return;
	le->hist_pos = pos;
	replace_line(le, pos == le->hist_n ? "" : le->hist[pos]);
}

/*
 * One byte after ESC. Returns true when it was part of the sequence; false
 * for a byte that is not (a control character, executed as ECMA-48 says,
 * or the key after a lone ESC): the caller handles it as usual.
 */
static bool feed_escape(struct lineedit *le, unsigned char c)
{
	if (c < 0x20) {
		le->esc = 0; /* a new ESC below starts a new sequence */
		return false;
	}
	if (le->esc == 1) {
		le->esc = (c == '[' || c == 'O') ? 2 : 0;
		return le->esc != 0;
	}
	/* Inside a CSI: parameters until a final byte 0x40-0x7e. */
	if (c >= 0x40 && c <= 0x7e) {
		le->esc = 0;
		if (c == 'A')
			history_move(le, -1);
		else if (c == 'B')
			history_move(le, +1);
	}
	return true;
}

static enum lineedit_result finish_line(struct lineedit *le)
{
	bool overflow = le->overflow;

	echo(le, "\r\n", 2);
	if (overflow) {
		reset_line(le);
		return LE_OVERFLOW;
	}
	le->buf[le->len] = 0;
	history_add(le);
	le->hist_pos = le->hist_n;
	le->done = true; /* buf stays valid until the next byte */
	return LE_LINE;
}

enum lineedit_result lineedit_feed(struct lineedit *le, char ch)
{
	unsigned char c = (unsigned char)ch;
	bool after_cr = le->last_cr;

	if (le->done) {
		le->done = false;
		reset_line(le);
	}

	le->last_cr = (c == '\r');
	if (le->esc && feed_escape(le, c))
		return LE_NONE;
	switch (c) {
	case '\n':
		if (after_cr)
			return LE_NONE;
		/* fall through */
	case '\r':
		return finish_line(le);
	case '\b':
	case 0x7f:
		if (le->len && !le->overflow) {
			le->len--;
			erase_chars(le, 1);
		}
		return LE_NONE;
	case CTRL('U'):
		erase_chars(le, le->overflow ? 0 : le->len);
		reset_line(le);
		return LE_NONE;
	case CTRL('C'):
		echo(le, "^C\r\n", 4);
		reset_line(le);
		return LE_CANCEL;
	case 0x1b:
		le->esc = 1;
		return LE_NONE;
	}
	if (c < 0x20 || c >= 0x7f)
		return LE_NONE;
	if (le->len + 1 >= sizeof(le->buf)) {
		le->overflow = true; /* keep reading: reject at Enter */
		return LE_NONE;
	}
	if (le->overflow)
		return LE_NONE;
	le->buf[le->len++] = (char)c;
	echo(le, (const char *)&c, 1);
	return LE_NONE;
}

void lineedit_redraw(struct lineedit *le)
{
	if (!le->done)
		echo(le, le->buf, le->len);
}
