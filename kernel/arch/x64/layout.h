/* layout.h: x86-64 kernel virtual memory layout (shared by assembly and C). */
#pragma once

#define KERNEL_BASE 0xffffffff80000000     /* kernel image: -2 GiB, physical 0 maps here */
#define KERNEL_LOAD_PHYS 0x200000          /* physical load address of the image (2 MiB) */
#define DIRECT_MAP_BASE 0xffff800000000000 /* all of physical memory, linear */
#define MMIO_BASE 0xfffffe0000000000       /* uncached device mappings ... */
#define MMIO_SIZE 0x0000008000000000       /* ... 512 GiB of them at most */
#define KSTACK_BASE 0xfffffc0000000000     /* kernel stacks, each with a guard page below ... */
#define KSTACK_SIZE 0x0000000000800000     /* ... in 8 MiB: 256 slots of 32 KiB */
#define BOOT_STACK_SIZE 16384

#define GDT_KERNEL_CS 0x08
#define GDT_KERNEL_DS 0x10
#define GDT_USER_DS 0x18 /* sysret loads SS from STAR[63:48] + 8 */
#define GDT_USER_CS 0x20 /* ... and CS from STAR[63:48] + 16 */
#define GDT_TSS 0x28

/* Offsets into struct arch_cpu used by the entry code. */
#define CPU_USER_RSP 8
#define CPU_KERNEL_RSP 16
