/*
 * Exception report: what happened (vector, name, error code), where (RIP,
 * CR2), every register, and a backtrace walked through the frame pointers
 * (the kernel is built with -fno-omit-frame-pointer). Then the machine stops.
 * Addresses resolve with: addr2line -e build/ballast.elf ADDR
 */
#include <ballast/console.h>
#include <ballast/ksyms.h>
#include <ballast/platform.h>
#include <ballast/printk.h>
#include <asm/cpu.h>
#include <asm/layout.h>
#include <asm/traps.h>

#define U(x) ((unsigned long long)(x))

static const char *const names[32] = {
	"Divide error", "Debug", "NMI", "Breakpoint", "Overflow",
	"Bound range exceeded", "Invalid opcode", "Device not available",
	"Double fault", "Coprocessor segment overrun", "Invalid TSS",
	"Segment not present", "Stack-segment fault", "General protection",
	"Page fault", "Reserved", "x87 floating point", "Alignment check",
	"Machine check", "SIMD floating point", "Virtualization",
	"Control protection",
};

static bool kernel_text(u64 a)
{
	return a >= (u64)_kernel_start && a < (u64)_kernel_end;
}

static void print_frame(int depth, u64 addr)
{
	u64 off = 0;
	const char *name = ksym_lookup(addr, &off);

	if (depth < 0)
		printk(KERN_ERR "  #- [<%016llx>] %s+%#llx (faulting instruction)\n",
		       U(addr), name ? name : "?", U(off));
	else
		printk(KERN_ERR "  #%d [<%016llx>] %s+%#llx\n", depth, U(addr),
		       name ? name : "?", U(off));
}

void dump_backtrace_from(u64 rbp)
{
	printk(KERN_ERR "Backtrace:\n");
	for (int depth = 0; depth < 24; depth++) {
		/* Frames live on kernel stacks, in the high half. */
		if (rbp < DIRECT_MAP_BASE || (rbp & 7))
			break;
		u64 *frame = (u64 *)rbp;
		u64 ret = frame[1];
		if (!kernel_text(ret))
			break;
		print_frame(depth, ret);
		if (frame[0] <= rbp)
			break; /* stacks grow down: older frames are higher */
		rbp = frame[0];
	}
}

void dump_backtrace(void)
{
	dump_backtrace_from((u64)__builtin_frame_address(0));
}


void exception_report(struct regs *r)
{
	unsigned v = r->vector;
	const char *name = names[v] ? names[v] : "Reserved";

	console_loglevel = LOGLEVEL_DEBUG;
	printk(KERN_ERR "\n*** EXCEPTION %u (#%s) error code %#llx ***\n", v,
	       name, (unsigned long long)r->error);
	printk(KERN_ERR "RIP: %04llx:%016llx RFLAGS: %08llx\n",
	       (unsigned long long)r->cs, (unsigned long long)r->rip,
	       (unsigned long long)r->rflags);
	printk(KERN_ERR "CR2: %016llx CR3: %016llx\n",
	       (unsigned long long)read_cr2(), (unsigned long long)read_cr3());
	printk(KERN_ERR "RAX: %016llx RBX: %016llx RCX: %016llx\n", U(r->rax),
	       U(r->rbx), U(r->rcx));
	printk(KERN_ERR "RDX: %016llx RSI: %016llx RDI: %016llx\n", U(r->rdx),
	       U(r->rsi), U(r->rdi));
	printk(KERN_ERR "RBP: %016llx RSP: %016llx R8:  %016llx\n", U(r->rbp),
	       U(r->rsp), U(r->r8));
	printk(KERN_ERR "R9:  %016llx R10: %016llx R11: %016llx\n", U(r->r9),
	       U(r->r10), U(r->r11));
	printk(KERN_ERR "R12: %016llx R13: %016llx R14: %016llx\n", U(r->r12),
	       U(r->r13), U(r->r14));
	printk(KERN_ERR "R15: %016llx\n", U(r->r15));
	print_frame(-1, r->rip);
	dump_backtrace_from(U(r->rbp));
	printk(KERN_ERR "System halted.\n");
	console_flush();
	machine_halt();
}
