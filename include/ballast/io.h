/*
 * Device registers in memory space (MMIO): map them uncached, then read
 * and write them with accesses of exactly the width asked for.
 *
 * The accessors are volatile loads and stores with compiler barriers on
 * both sides, so ring writes in ordinary memory are not moved past the
 * register write that tells the device about them (x86 keeps stores in
 * order; an uncached access is not reordered with other memory accesses).
 * Little-endian, as the devices and the only CPU ballast runs on.
 */
#ifndef BALLAST_IO_H
#define BALLAST_IO_H

#include <ballast/types.h>

/*
 * From the arch: [phys, phys + size) mapped uncached (x86: PCD|PWT) in a
 * virtual window of its own; the address of phys, or NULL (no room, out
 * of memory for page tables, or not possible on this platform, as a Xen
 * PV guest). Mappings last forever: devices are not removed.
 */
void *arch_ioremap(phys_addr_t phys, u64 size);

#define io_barrier() __asm__ volatile("" ::: "memory")

#define BALLAST_IO_RW(sfx, type)                                            \
	static inline type read##sfx(const volatile void *addr)             \
	{                                                                   \
		type v;                                                     \
		io_barrier();                                               \
		v = *(const volatile type *)addr;                           \
		io_barrier();                                               \
		return v;                                                   \
	}                                                                   \
	static inline void write##sfx(type v, volatile void *addr)          \
	{                                                                   \
		io_barrier();                                               \
		*(volatile type *)addr = v;                                 \
		io_barrier();                                               \
	}

BALLAST_IO_RW(b, u8)
BALLAST_IO_RW(w, u16)
BALLAST_IO_RW(l, u32)

#undef BALLAST_IO_RW

#endif
