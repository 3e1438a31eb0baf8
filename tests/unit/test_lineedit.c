/* The shell's line editor, fed byte by byte as the UART would. */
#include "unit.h"
#include <ballast/lineedit.h>

static char screen[4096];
static size_t screen_len;

static void capture(const char *s, size_t n)
{
	if (screen_len + n < sizeof(screen)) {
		memcpy(screen + screen_len, s, n);
		screen_len += n;
		screen[screen_len] = 0;
	}
}

static struct lineedit le;

static enum lineedit_result feed(const char *s)
{
	enum lineedit_result r = LE_NONE;

	while (*s)
		r = lineedit_feed(&le, *s++);
	return r;
}

static void setup(void)
{
	screen_len = 0;
	screen[0] = 0;
	lineedit_init(&le, capture);
}

TEST(lineedit_plain_line_and_crlf)
{
	setup();
	CHECK_EQ(feed("help\r"), LE_LINE);
	CHECK_STR(le.buf, "help");
	CHECK_EQ(feed("\n"), LE_NONE); /* \n of \r\n is swallowed */
	CHECK_EQ(feed("ls\n"), LE_LINE);
	CHECK_STR(le.buf, "ls");
	CHECK_EQ(feed("\n"), LE_LINE); /* a lone \n is an empty line */
	CHECK_STR(le.buf, "");
}

TEST(lineedit_backspace_ctrl_u_ctrl_c)
{
	setup();
	CHECK_EQ(feed("hx\x7f" "elp\r"), LE_LINE);
	CHECK_STR(le.buf, "help");
	CHECK_EQ(feed("\x7f\x7f\b" "ab\r"), LE_LINE); /* on empty: no-op */
	CHECK_STR(le.buf, "ab");
	CHECK_EQ(feed("garbage\x15" "ok\r"), LE_LINE);
	CHECK_STR(le.buf, "ok");
	CHECK_EQ(feed("half\x03"), LE_CANCEL);
	CHECK_EQ(feed("new\r"), LE_LINE);
	CHECK_STR(le.buf, "new");
}

TEST(lineedit_ignores_control_and_high_bytes)
{
	setup();
	CHECK_EQ(feed("\x01\x02h\x80\xffi\x7f\x7fhelp\x1b[C\r"), LE_LINE);
	CHECK_STR(le.buf, "help");
	CHECK(strchr(screen, '\x01') == NULL);
}

TEST(lineedit_history_up_down)
{
	setup();
	feed("first\r");
	feed("second\r");
	CHECK_EQ(feed("\x1b[A\r"), LE_LINE);
	CHECK_STR(le.buf, "second");
	CHECK_EQ(feed("\x1b[A\x1b[A\r"), LE_LINE);
	CHECK_STR(le.buf, "first");
	CHECK_EQ(feed("\x1b[A\x1b[B\x1b[B\r"), LE_LINE); /* back to empty */
	CHECK_STR(le.buf, "");
	CHECK_EQ(feed("\x1bOA\r"), LE_LINE); /* application-mode arrows */
	CHECK_STR(le.buf, "first");
}

TEST(lineedit_history_keeps_newest_16)
{
	char line[32];

	setup();
	for (int i = 0; i < 40; i++) {
		snprintf(line, sizeof(line), "cmd%d\r", i);
		feed(line);
	}
	for (int i = 0; i < 30; i++)
		feed("\x1b[A");
	feed("\r");
	CHECK_STR(le.buf, "cmd24");
}

TEST(lineedit_overflow_rejects_whole_line)
{
	setup();
	for (int i = 0; i < 1000; i++)
		CHECK_EQ(lineedit_feed(&le, 'a'), LE_NONE);
	CHECK_EQ(feed("\r"), LE_OVERFLOW);
	CHECK_EQ(feed("ok\r"), LE_LINE);
	CHECK_STR(le.buf, "ok");
	/* Exactly SHELL_LINE_MAX - 1 characters still fit. */
	for (int i = 0; i < SHELL_LINE_MAX - 1; i++)
		lineedit_feed(&le, 'b');
	CHECK_EQ(feed("\r"), LE_LINE);
	CHECK_EQ(strlen(le.buf), SHELL_LINE_MAX - 1);
}

TEST(lineedit_controls_inside_escape_sequence_act)
{
	setup();
	/* ESC [ 1, Ctrl-C, then a line: the Ctrl-C cancels, nothing is eaten */
	CHECK_EQ(feed("\x1b[1\x03"), LE_CANCEL);
	CHECK_EQ(feed("echo hello\r"), LE_LINE);
	CHECK_STR(le.buf, "echo hello");
	/* Enter inside a sequence finishes the line */
	CHECK_EQ(feed("ab\x1b[2\r"), LE_LINE);
	CHECK_STR(le.buf, "ab");
	CHECK_EQ(feed("x\x1b[\x7f" "y\r"), LE_LINE); /* DEL is not a control */
	CHECK_STR(le.buf, "x");
	/* ESC inside a sequence starts a new one */
	CHECK_EQ(feed("q\x1b[1\x1b[A"), LE_NONE);
	CHECK_EQ(feed("\x15z\r"), LE_LINE);
	CHECK_STR(le.buf, "z");
}

TEST(lineedit_lone_esc_does_not_eat_the_next_key)
{
	setup();
	CHECK_EQ(feed("\x1b" "echo\r"), LE_LINE);
	CHECK_STR(le.buf, "echo");
	CHECK_EQ(feed("a\x1b\r"), LE_LINE);
	CHECK_STR(le.buf, "a");
}

/* What the shell shows again after a message interrupted a typed line. */
TEST(lineedit_redraw_shows_the_line_so_far)
{
	setup();
	feed("ech");
	screen_len = 0;
	lineedit_redraw(&le);
	CHECK_STR(screen, "ech");
	CHECK_EQ(feed("o x\r"), LE_LINE);
	screen_len = 0;
	screen[0] = 0;
	lineedit_redraw(&le); /* the line is finished: a fresh prompt only */
	CHECK_STR(screen, "");
}
