/*
 * Xen PV console: the xencons_interface ring page (HVM params, or
 * start_info for PV) as a console backend. Output goes into out[] and the
 * event channel tells xenconsoled; input is polled from in[]. Release builds
 * of Xen drop a domU's console_io, so this ring is the only way out for PV
 * and PVH.
 */
#include <ballast/console.h>
#include <ballast/errno.h>
#include <ballast/printk.h>
#include <ballast/init.h>
#include <ballast/timer.h>
#include <ballast/xen/events.h>
#include <asm/xen/hypercall.h>
#include <xen/io/console.h>
#include <asm/cpu.h>

static struct xencons_interface *ring;
static struct console xen_console;

/* Let the consumer run: first notify it, then give up our time slice. */
static void nudge(void)
{
	evtchn_send(xen.console_evtchn);
	HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
}

/*
 * Waits for room for one byte; false if the consumer seems gone. Then
 * output is dropped, without waiting, until the consumer moves again.
 * A ring nobody ever read (an HVM guest whose console is the serial port)
 * gets 0.5 s. Once xenconsoled took something it gets 10 s: a busy dom0
 * in the nested rig took nothing for over 0.5 s, and the byte dropped was
 * part of a prompt (console-stress: `ballat> `).
 */
#define WAIT_UNREAD_NS 500000000ULL
#define WAIT_READ_NS 10000000000ULL
static bool stalled;
static bool was_read;

static bool wait_room(void)
{
	u64 end = 0;

	while (ring->out_prod - ring->out_cons >= sizeof(ring->out)) {
		if (stalled)
			return false;
		was_read |= ring->out_cons != 0;
		if (!end)
			end = clock_ns() + (was_read ? WAIT_READ_NS : WAIT_UNREAD_NS);
		else if (clock_ns() > end)
			return !(stalled = true);
		nudge();
	}
	stalled = false;
	return true;
}

static void put(char c)
{
	if (!wait_room()) {
		xen_console.tx_dropped++;
		return;
	}
	ring->out[MASK_XENCONS_IDX(ring->out_prod, ring->out)] = c;
	__asm__ volatile("sfence" ::: "memory"); /* byte before index */
	ring->out_prod++;
}

static void xencons_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			put('\r'); /* a tty would do this (ONLCR) */
		put(s[i]);
	}
	evtchn_send(xen.console_evtchn);
}

static int xencons_getc(void)
{
	XENCONS_RING_IDX cons = ring->in_cons;
	char c;

	if (cons == ring->in_prod)
		return -1;
	__asm__ volatile("lfence" ::: "memory"); /* index before byte */
	c = ring->in[MASK_XENCONS_IDX(cons, ring->in)];
	__asm__ volatile("" ::: "memory");
	ring->in_cons = cons + 1;
	evtchn_send(xen.console_evtchn);
	return (u8)c;
}

/*
 * Wait until xenconsoled took everything: output written just before a
 * shutdown is lost otherwise. Bounded, in case nobody reads the ring.
 */
static void xen_console_flush(void)
{
	u64 end = clock_ns() + 2000000000ULL;

	if (!ring)
		return;
	while (!stalled && ring->out_cons != ring->out_prod &&
	       clock_ns() < end)
		nudge();
}

/* Input arrives as an event: waking the idle loop is all it takes. */
static void xencons_event(evtchn_port_t port, void *arg)
{
}

static struct console xen_console = {
	.name = "hvc0",
	.write = xencons_write,
	.getc = xencons_getc,
	.flush = xen_console_flush,
};

static int xen_console_init(void)
{
	if (!xen_present())
		return -ENODEV;
	if (!xen.console_ring || !xen.console_evtchn) {
		/* HVM's console is COM1; PV and PVH have nothing else. */
		if (xen.mode != XEN_HVM)
			pr_warn("xen: no PV console\n");
		return -ENODEV;
	}
	ring = xen.console_ring;
	evtchn_bind(xen.console_evtchn, xencons_event, NULL);
	console_register(&xen_console);
	return 0;
}
INIT_HOOK(xen_console, xen_console_init, INIT_LEVEL_CONSOLE);

/*
 * Before: everything written so far reaches the log. After, in a new
 * domain: the ring is at the same frame (on HVM/PVH the restore zeroed it:
 * indexes are only ever read from the ring), its port is new.
 */
static int xen_console_suspend(void)
{
	xen_console_flush();
	return 0;
}

static void xen_console_resume(bool cancelled)
{
	if (!ring || cancelled)
		return;
	stalled = false;
	evtchn_bind(xen.console_evtchn, xencons_event, NULL);
	evtchn_send(xen.console_evtchn);
}
SUSPEND_HOOK(xen_console, xen_console_suspend, xen_console_resume,
	     INIT_LEVEL_CONSOLE);
