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

int console_getc(void)
{
	for (struct console *c = consoles; c; c = c->next) {
		int ch = c->getc ? c->getc() : -1;
		if (ch >= 0)
			return ch;
	}
	return -1;
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
