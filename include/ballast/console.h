/*
 * The console fans output out to every registered backend (16550 UART, later
 * the Xen PV console) and polls them all for input.
 */
#ifndef BALLAST_CONSOLE_H
#define BALLAST_CONSOLE_H

#include <ballast/types.h>

struct console {
	const char *name;
	void (*write)(const char *s, size_t n);
	int (*getc)(void);   /* -1 when nothing is waiting; may be NULL */
	void (*flush)(void); /* wait until output really left; may be NULL */
	bool muted;          /* output not sent here (input still read) */
	/* Counted for `console` (a stress test compares them with the rig's). */
	unsigned long rx_bytes;    /* bytes read from it (console.c) */
	unsigned long tx_dropped;  /* output bytes the backend had to drop */
	unsigned long rx_overruns; /* input the device lost (16550: LSR.OE) */
	struct console *next;
};

/* Lines the shell read (ended by Enter), for `console`. */
extern unsigned long console_lines;

void console_register(struct console *con);
void console_unregister(struct console *con);
void console_write(const char *s, size_t n);
/*
 * Stop or resume output to the console named `name` (the `console`
 * command). -ENOENT: no such console; -EBUSY: it is the last one still
 * printing. A panic unmutes every console.
 */
int console_set_muted(const char *name, bool muted);
void console_unmute_all(void);
/* For listing: the first registered console, and each one's next. */
const struct console *console_first(void);
/* Non-blocking: a byte from any backend, or -1. */
int console_getc(void);
/* Blocks (idling the CPU) until a byte arrives. */
int console_getc_wait(void);
void console_flush(void);
/*
 * While the shell waits for a key its prompt and the line typed so far are
 * on screen. Anything printed meanwhile (deferred work: "add_memory: ...
 * added") starts on a line of its own, and `redraw` shows the prompt and
 * the line again once that line is complete: the echo of a typed line is
 * never split by a message (a test reading the echo took a split one for
 * a lost line).
 */
void console_edit_begin(void (*redraw)(void));
void console_edit_end(void);
/* Stop keeping early output for consoles that register later. */
void console_early_end(void);

/* Ctrl-C: stops a long-running shell command. */
#define CONSOLE_INTR 0x03
/*
 * For long loops (memtest of GiBs, chmem over many blocks): true once a
 * Ctrl-C came in since console_interrupt_clear. Cheap enough to call every
 * few MiB; other bytes it reads on the way are kept for console_getc.
 */
bool console_interrupted(void);
/* The shell calls this before each command. */
void console_interrupt_clear(void);

#endif
