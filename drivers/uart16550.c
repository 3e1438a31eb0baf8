/*
 * 16550 UART on COM1, polled for output, interrupt-driven wake-up for input
 * (IRQ 4 only wakes the CPU from hlt; bytes are read by polling LSR).
 */
#include <ballast/console.h>
#include <ballast/errno.h>
#include <ballast/init.h>
#include <ballast/platform.h>
#include <ballast/timer.h>
#include <asm/io.h>
#include <asm/cpu.h>
#include <asm/traps.h>

#define COM1 0x3f8
#define REG_DATA 0
#define REG_IER 1
#define REG_FCR 2
#define REG_LCR 3
#define REG_MCR 4
#define REG_LSR 5
#define LSR_DATA 0x01
#define LSR_OE 0x02
#define LSR_THRE 0x20
#define LSR_TEMT 0x40


/*
 * Bytes that were already waiting when the UART was reprogrammed: piped
 * input (printf 'help\n' | make run) is often there before the kernel is.
 */
static char early_rx[64];
static unsigned early_head, early_tail;
static struct console uart_console;

/* Reading LSR clears its overrun bit: every read counts it. */
static u8 lsr(void)
{
	u8 v = inb(COM1 + REG_LSR);

	if (v & LSR_OE)
		uart_console.rx_overruns++;
	return v;
}

static void save_early_input(void)
{
	while ((lsr() & LSR_DATA) &&
	       early_tail - early_head < sizeof(early_rx))
		early_rx[early_tail++ % sizeof(early_rx)] = inb(COM1 + REG_DATA);
}

static void uart_putc(char c)
{
	int i;

	for (i = 0; i < 100000 && !(lsr() & LSR_THRE); i++)
		cpu_relax();
	if (i == 100000)
		uart_console.tx_dropped++; /* sent anyway; it may be lost */
	outb(COM1 + REG_DATA, c);
}

static void uart_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			uart_putc('\r');
		uart_putc(s[i]);
	}
}

/*
 * Each LSR read is a trip to the device model under Xen HVM (a millisecond
 * or more when dom0 is busy), and a busy kernel (balloon batches back to
 * back, no sleep between) asks for input on every pass. So LSR is read
 * when a byte may be there: after a sleep (IRQ 4 or anything else woke
 * the CPU), after the IRQ, right after a byte (more may follow), or
 * UART_POLL_NS after the last look: a lost IRQ costs at most that.
 */
#define UART_POLL_NS (10 * NSEC_PER_MSEC)
static volatile bool rx_maybe = true;
static u64 polled_at, polled_sleeps;

static bool worth_a_look(void)
{
	u64 now = platform.clock_ns ? clock_ns() : 0;

	if (!rx_maybe && idle_stats.sleeps == polled_sleeps && now &&
	    now - polled_at < UART_POLL_NS)
		return false;
	rx_maybe = false;
	polled_at = now;
	polled_sleeps = idle_stats.sleeps;
	return true;
}

static int uart_getc(void)
{
	if (early_head != early_tail)
		return (unsigned char)early_rx[early_head++ % sizeof(early_rx)];
	if (!worth_a_look() || !(lsr() & LSR_DATA))
		return -1;
	rx_maybe = true;
	return inb(COM1 + REG_DATA);
}

static void uart_flush(void)
{
	for (int i = 0; i < 1000000 && !(lsr() & LSR_TEMT); i++)
		cpu_relax();
}

static struct console uart_console = {
	.name = "ttyS0",
	.write = uart_write,
	.getc = uart_getc,
	.flush = uart_flush,
};

static void uart_irq(struct regs *r)
{
	/* Waking from hlt is the point; the shell polls (uart_getc). */
	rx_maybe = true;
}

/* -ENODEV without ISA ports (Xen PV, PVH) or when no UART answers. */
static int uart_init(void)
{
	if (!platform.legacy_io || inb(COM1 + REG_LSR) == 0xff)
		return -ENODEV;
	save_early_input();
	outb(COM1 + REG_IER, 0);
	outb(COM1 + REG_LCR, 0x80); /* DLAB: divisor 1 = 115200 baud */
	outb(COM1 + REG_DATA, 1);
	outb(COM1 + REG_IER, 0);
	outb(COM1 + REG_LCR, 0x03); /* 8n1 */
	/*
	 * FCR is left alone: changing FIFO mode makes QEMU's 16550 drop bytes
	 * that are already queued, and polling needs no FIFO.
	 */
	outb(COM1 + REG_MCR, 0x0b); /* DTR, RTS, OUT2 (IRQ line enabled) */
	outb(COM1 + REG_IER, 0x01); /* interrupt on received data */
	console_register(&uart_console);
	set_irq_handler(IRQ_BASE + 4, uart_irq);
	pic_unmask(4);
	return 0;
}
INIT_HOOK(uart, uart_init, INIT_LEVEL_EARLYCON);
