/*
 * The shell's line editor, a pure state machine fed one byte at a time so
 * the host unit tests can drive it: echo, backspace/DEL, Ctrl-U (kill line),
 * Ctrl-C (cancel line), up/down history (ESC [ A / ESC [ B). Other control
 * bytes, bytes >= 0x80 and unknown escape sequences are ignored; control
 * bytes inside an unfinished sequence end it and act as usual (ECMA-48), and
 * the key after a lone ESC is an ordinary key. A line that
 * would not fit is not truncated: it is rejected whole when Enter comes.
 */
#ifndef BALLAST_LINEEDIT_H
#define BALLAST_LINEEDIT_H

#include <ballast/shell.h>

#define LINEEDIT_HISTORY 16

enum lineedit_result {
	LE_NONE,     /* keep feeding */
	LE_LINE,     /* le->buf holds a finished line */
	LE_CANCEL,   /* Ctrl-C: line dropped */
	LE_OVERFLOW, /* Enter on a line longer than SHELL_LINE_MAX - 1 */
};

struct lineedit {
	char buf[SHELL_LINE_MAX];
	size_t len;
	bool overflow;
	bool done;     /* a line was returned: start afresh */
	bool last_cr; /* swallow the \n of a \r\n pair */
	int esc;      /* 0 none, 1 after ESC, 2 inside ESC [ or ESC O */
	char hist[LINEEDIT_HISTORY][SHELL_LINE_MAX];
	int hist_n;   /* entries stored */
	int hist_pos; /* while browsing: 0 = newest; hist_n = the new line */
	void (*echo)(const char *s, size_t n);
};

void lineedit_init(struct lineedit *le, void (*echo)(const char *, size_t));
enum lineedit_result lineedit_feed(struct lineedit *le, char c);
/* Echo the line typed so far again (nothing after a finished line). */
void lineedit_redraw(struct lineedit *le);

#endif
