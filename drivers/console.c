/* Console fan-out: see include/ballast/console.h. */
#include <ballast/console.h>

static struct console *consoles;

void console_register(struct console *con)
{
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

void console_write(const char *s, size_t n)
{
	for (struct console *c = consoles; c; c = c->next)
		c->write(s, n);
}

/* Bytes console_interrupted read while looking for a Ctrl-C. */
static char typeahead[256];
static unsigned int ta_head, ta_tail;
static bool interrupt_pending;

static int backend_getc(void)
{
	for (struct console *c = consoles; c; c = c->next) {
		int ch = c->getc ? c->getc() : -1;
		if (ch >= 0)
			return ch;
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
		arch_idle();
	return ch;
}

void console_flush(void)
{
	for (struct console *c = consoles; c; c = c->next)
		if (c->flush)
			c->flush();
}
