/*
 * Bare x86 time. The TSC is the clock, calibrated once against PIT channel
 * 2 (a 10 ms count on a 1.193182 MHz crystal). PIT channel 0 in mode 0
 * ("interrupt on terminal count") is the one-shot wake-up: one interrupt,
 * then silence, so an idle machine takes no ticks. Its 16-bit counter
 * reaches only 55 ms; a longer wait wakes early and the idle loop re-arms.
 */
#include <ballast/timer.h>
#include <asm/cpu.h>
#include <asm/io.h>
#include <asm/time.h>
#include <asm/traps.h>

#define PIT_HZ 1193182ULL
#define PIT_CH0 0x40
#define PIT_CH2 0x42
#define PIT_CMD 0x43
#define PORT_B 0x61
#define CAL_TICKS 11932 /* 10 ms */

static u64 tsc_base, ns_mult; /* ns = (tsc - tsc_base) * ns_mult >> 32 */
static bool irq_ready;

static u64 calibrate_tsc_hz(void)
{
	u64 t0, t1;
	u32 spins = 0;

	outb(PORT_B, (inb(PORT_B) & ~0x02) | 0x01); /* gate on, speaker off */
	outb(PIT_CMD, 0xb0); /* channel 2, lo/hi byte, mode 0 */
	outb(PIT_CH2, CAL_TICKS & 0xff);
	outb(PIT_CH2, CAL_TICKS >> 8);
	t0 = rdtsc();
	while (!(inb(PORT_B) & 0x20) && ++spins < 50000000)
		;
	t1 = rdtsc();
	/* No PIT answering: assume 1 GHz rather than divide by nothing. */
	if (t1 <= t0 || spins >= 50000000)
		return 1000000000ULL;
	return (t1 - t0) * PIT_HZ / CAL_TICKS;
}

u64 tsc_clock_ns(void)
{
	if (!ns_mult) {
		u64 hz = calibrate_tsc_hz();

		ns_mult = (u64)((NSEC_PER_SEC << 32) / hz);
		tsc_base = rdtsc();
	}
	return (u64)(((unsigned __int128)(rdtsc() - tsc_base) * ns_mult) >> 32);
}

static void pit_irq(struct regs *r)
{
	/* Waking the CPU from hlt is the point; idle_once does the rest. */
}

void pit_set_timer(u64 deadline)
{
	u64 now = tsc_clock_ns(), ticks;

	if (!deadline)
		return;
	if (!irq_ready) {
		set_irq_handler(IRQ_BASE + 0, pit_irq);
		pic_unmask(0);
		irq_ready = true;
	}
	if (deadline <= now)
		ticks = 1;
	else if (deadline - now >= 60 * NSEC_PER_MSEC) /* past the counter */
		ticks = 0xffff;
	else
		ticks = (deadline - now) * PIT_HZ / NSEC_PER_SEC;
	ticks = ticks < 1 ? 1 : ticks > 0xffff ? 0xffff : ticks;
	outb(PIT_CMD, 0x30); /* channel 0, lo/hi byte, mode 0 */
	outb(PIT_CH0, ticks & 0xff);
	outb(PIT_CH0, ticks >> 8);
}
