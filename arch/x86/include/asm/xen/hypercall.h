/*
 * Xen hypercalls on x86_64: the ABI (Xen's public headers from libxen-dev)
 * and the hypercall-page calling convention. Only arch/x86/xen and
 * drivers/xen include this.
 */
#ifndef ASM_XEN_HYPERCALL_H
#define ASM_XEN_HYPERCALL_H

#include <ballast/xen/guest.h>
#include <asm/cpu.h>
#include <xen/memory.h>
#include <xen/sched.h>
#include <xen/vcpu.h>
#include <xen/version.h>
#include <xen/features.h>
#include <xen/callback.h>
#include <xen/hvm/params.h>
#include <xen/hvm/hvm_op.h>
#include <xen/arch-x86/cpuid.h>

extern char hypercall_page[];

/*
 * Number in the hypercall page slot (32 bytes each), arguments in rdi, rsi,
 * rdx, r10, r8; the stubs clobber rcx and r11 (syscall on PV).
 */
#define _xen_hcall_raw(nr, a1, a2, a3, a4, a5)                               \
	({                                                                    \
		/* Evaluate every argument first: one that calls a function \
		 * would clobber a register variable already bound (GCC    \
		 * guarantees them only at the asm itself). */             \
		unsigned long _v1 = (unsigned long)(a1);                      \
		unsigned long _v2 = (unsigned long)(a2);                      \
		unsigned long _v3 = (unsigned long)(a3);                      \
		unsigned long _v4 = (unsigned long)(a4);                      \
		unsigned long _v5 = (unsigned long)(a5);                      \
		register unsigned long _a1 __asm__("rdi") = _v1;              \
		register unsigned long _a2 __asm__("rsi") = _v2;              \
		register unsigned long _a3 __asm__("rdx") = _v3;              \
		register unsigned long _a4 __asm__("r10") = _v4;              \
		register unsigned long _a5 __asm__("r8") = _v5;               \
		long _res;                                                    \
		__asm__ volatile("call hypercall_page + %c[off]"             \
				 : "=a"(_res), "+r"(_a1), "+r"(_a2),          \
				   "+r"(_a3), "+r"(_a4), "+r"(_a5)            \
				 : [off] "i"((nr) * 32)                       \
				 : "memory", "rcx", "r11");                   \
		_res;                                                         \
	})

/*
 * Every hypercall is counted by number, since boot, and the memory ones
 * timed (TSC cycles): the `xen` command lists them and the balloon splits
 * its time into the host's calls (memory_op; PV's page-table calls) and
 * its own.
 */
#define XEN_HCALL_NR 64
struct xen_hcall_stat {
	u64 calls, cycles;
};
extern struct xen_hcall_stat xen_hcall_stats[XEN_HCALL_NR];

/*
 * Timed: the memory hypercalls the balloon's split names. The others (the
 * idle's block, events, the timer, the console) are only counted: under
 * PVH/HVM Xen traps rdtsc here (the `xen` command's rdtsc line: ~80,000
 * cycles a read, against ~4,500 under PV), so two reads per event would
 * cost more than the call.
 */
#define XEN_HCALL_TIMED(nr)                                                   \
	((nr) == __HYPERVISOR_memory_op || (nr) == __HYPERVISOR_mmu_update ||  \
	 (nr) == __HYPERVISOR_mmuext_op || (nr) == __HYPERVISOR_multicall ||   \
	 (nr) == __HYPERVISOR_update_va_mapping)

static inline void xen_hcall_account(unsigned nr, u64 t0)
{
	u64 t1;

	xen_hcall_stats[nr].calls++;
	if (!XEN_HCALL_TIMED(nr))
		return;
	t1 = rdtsc();
	if (t1 > t0) /* a save/restore may move the TSC under the call */
		xen_hcall_stats[nr].cycles += t1 - t0;
}

#define _xen_hcall(nr, a1, a2, a3, a4, a5)                                   \
	({                                                                    \
		_Static_assert((nr) < XEN_HCALL_NR, "hypercall number");      \
		u64 _t0 = XEN_HCALL_TIMED(nr) ? rdtsc() : 0;                  \
		long _r = _xen_hcall_raw(nr, a1, a2, a3, a4, a5);             \
		xen_hcall_account((nr), _t0);                                 \
		_r;                                                           \
	})

/* Name of hypercall nr for the `xen` command ("?" when not one we use). */
const char *xen_hcall_name(unsigned nr);
/* Time inside hypercall nr since boot, ns. */
u64 xen_hcall_ns(unsigned nr);

#define HYPERVISOR_memory_op(cmd, arg) \
	_xen_hcall(__HYPERVISOR_memory_op, cmd, arg, 0, 0, 0)
#define HYPERVISOR_sched_op(cmd, arg) \
	_xen_hcall(__HYPERVISOR_sched_op, cmd, arg, 0, 0, 0)
#define HYPERVISOR_event_channel_op(cmd, arg) \
	_xen_hcall(__HYPERVISOR_event_channel_op, cmd, arg, 0, 0, 0)
#define HYPERVISOR_hvm_op(op, arg) \
	_xen_hcall(__HYPERVISOR_hvm_op, op, arg, 0, 0, 0)
#define HYPERVISOR_xen_version(cmd, arg) \
	_xen_hcall(__HYPERVISOR_xen_version, cmd, arg, 0, 0, 0)
#define HYPERVISOR_vcpu_op(cmd, vcpu, arg) \
	_xen_hcall(__HYPERVISOR_vcpu_op, cmd, vcpu, arg, 0, 0)
#define HYPERVISOR_callback_op(cmd, arg) \
	_xen_hcall(__HYPERVISOR_callback_op, cmd, arg, 0, 0, 0)
#define HYPERVISOR_set_trap_table(table) \
	_xen_hcall(__HYPERVISOR_set_trap_table, table, 0, 0, 0, 0)
#define HYPERVISOR_mmu_update(req, count, done, dom) \
	_xen_hcall(__HYPERVISOR_mmu_update, req, count, done, dom, 0)
#define HYPERVISOR_mmuext_op(op, count, done, dom) \
	_xen_hcall(__HYPERVISOR_mmuext_op, op, count, done, dom, 0)
#define HYPERVISOR_update_va_mapping(va, val, flags) \
	_xen_hcall(__HYPERVISOR_update_va_mapping, va, val, flags, 0, 0)
#define HYPERVISOR_multicall(calls, nr) \
	_xen_hcall(__HYPERVISOR_multicall, calls, nr, 0, 0, 0)
#define HYPERVISOR_console_io(cmd, len, buf) \
	_xen_hcall(__HYPERVISOR_console_io, cmd, len, buf, 0, 0)

#endif
