/*
 * Console fan-out: see include/ballast/console.h.
 *
 * Consoles come up as init hooks in start_kernel, after the arch entry may
 * already have printed (a dropped E820 region, say). What is printed while
 * no console exists is kept and replayed to each console that registers
 * before console_early_end(), so nothing from early boot is lost.
 */
#include <ballast/console.h>
#include <ballast/errno.h>
#include <ballast/string.h>
#include <ballast/timer.h>

static struct console *consoles;
unsigned long console_lines;

#define EARLY_SIZE 4096
static char early_buf[EARLY_SIZE];
static size_t early_len;
static bool early_over;

void console_register(struct console *con)
{
	if (!early_over && early_len)
		con->write(early_buf, early_len);
	con->next = consoles;
	consoles = con;
}

void console_unregister(struct console *con)
{
	for (struct console **p = &consoles; *p; p = &(*p)->next) {
		if (*p == con) {
			*p = con->next;
			return;
		}
	}
}

void console_early_end(void)
{
	early_over = true;
}

static void early_store(const char *s, size_t n)
{
	size_t room = EARLY_SIZE - early_len;

	if (early_over)
		return;
	n = n < room ? n : room;
	for (size_t i = 0; i < n; i++)
		early_buf[early_len + i] = s[i];
	early_len += n;
}

static bool at_line_start = true;
static void (*edit_redraw)(void);
static bool redraw_due; /* a message interrupted the shell's line */

static void fan_out(const char *s, size_t n)
{
	if (!consoles)
		early_store(s, n);
	for (struct console *c = consoles; c; c = c->next)
		if (!c->muted)
			c->write(s, n);
	if (n)
		at_line_start = s[n - 1] == '\n';
}

/* Show the shell's line again (through fan_out: redraw prints). */
static void redraw_line(void)
{
	void (*redraw)(void) = edit_redraw;

	edit_redraw = NULL;
	if (!at_line_start)
		fan_out("\n", 1);
	redraw();
	edit_redraw = redraw;
	redraw_due = false;
}

void console_write(const char *s, size_t n)
{
	if (!edit_redraw || !n) {
		fan_out(s, n);
		return;
	}
	if (!redraw_due && !at_line_start)
		fan_out("\n", 1);
	redraw_due = true;
	fan_out(s, n);
	if (at_line_start)
		redraw_line();
}

void console_edit_begin(void (*redraw)(void))
{
	edit_redraw = redraw;
	redraw_due = false;
}

void console_edit_end(void)
{
	if (edit_redraw && redraw_due)
		redraw_line();
	edit_redraw = NULL;
}

const struct console *console_first(void)
{
	return consoles;
}

int console_set_muted(const char *name, bool muted)
{
	struct console *con = NULL;
	int printing = 0;

	for (struct console *c = consoles; c; c = c->next) {
		if (!strcmp(c->name, name))
			con = c;
		printing += !c->muted;
	}
	if (!con)
		return -ENOENT;
	if (muted && !con->muted && printing == 1)
		return -EBUSY;
	con->muted = muted;
	return 0;
}

void console_unmute_all(void)
{
	for (struct console *c = consoles; c; c = c->next)
		c->muted = false;
}

/* Bytes console_interrupted read while looking for a Ctrl-C. */
static char typeahead[256];
static unsigned int ta_head, ta_tail;
static bool interrupt_pending;

static int backend_getc(void)
{
	for (struct console *c = consoles; c; c = c->next) {
		int ch = c->getc ? c->getc() : -1;
		if (ch >= 0) {
			c->rx_bytes++;
			return ch;
		}
	}
	return -1;
}

int console_getc(void)
{
	if (ta_head != ta_tail)
		return (unsigned char)typeahead[ta_head++ % sizeof(typeahead)];
	return backend_getc();
}

bool console_interrupted(void)
{
	int ch;

	while (!interrupt_pending &&
	       ta_tail - ta_head < sizeof(typeahead) &&
	       (ch = backend_getc()) >= 0) {
		if (ch == CONSOLE_INTR)
			interrupt_pending = true;
		else
			typeahead[ta_tail++ % sizeof(typeahead)] = (char)ch;
	}
	return interrupt_pending;
}

void console_interrupt_clear(void)
{
	interrupt_pending = false;
}

int console_getc_wait(void)
{
	int ch;

	while ((ch = console_getc()) < 0)
		idle_once();
	return ch;
}

void console_flush(void)
{
	for (struct console *c = consoles; c; c = c->next)
		if (c->flush)
			c->flush();
}
