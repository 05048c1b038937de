/* boot.S: multiboot2 header and 32-bit entry; switches to long mode and jumps to the higher half. */
#include "layout.h"

#define MB2_MAGIC 0xe85250d6
#define MB2_ARCH_I386 0
#define V2P(x) ((x) - KERNEL_BASE)

    .section .multiboot, "a"
    .balign 8
/* The Multiboot2 header (spec 1.0, 3.1): magic, architecture, length, and a checksum that makes
 * the four fields sum to zero, then tags. It must lie in the image's first 32 KiB, 8-byte aligned. */
mb2_header:
    .long MB2_MAGIC
    .long MB2_ARCH_I386
    .long mb2_header_end - mb2_header
    .long -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
    /* entry address tag: GRUB jumps to this physical address in 32-bit protected mode */
    .balign 8
    .short 3, 0
    .long 12
    .long V2P(boot_entry32)
    /* information request: memory map (6), modules (3), ACPI RSDPs (14, 15), command line (1) */
    .balign 8
    .short 1, 0
    .long 8 + 4 * 5
    .long 6, 3, 14, 15, 1
    /* end tag */
    .balign 8
    .short 0, 0
    .long 8
mb2_header_end:

    .section .boot.text, "ax"
    .code32
    .global boot_entry32
/*
 * GRUB enters here in 32-bit protected mode with paging off, eax = the Multiboot2 magic, ebx = the
 * information structure's physical address. The image is linked at -2 GiB, so until the jump to
 * the higher half every address is taken through V2P.
 */
boot_entry32:
    cli
    cld
    mov $V2P(boot_stack_top), %esp
    mov %eax, %edi                  /* multiboot2 magic, first argument later */
    mov %ebx, %esi                  /* multiboot2 info (physical), second argument */

    /* Long mode is required: CPUID leaf 0x80000001 EDX bit 29. */
    mov $0x80000000, %eax
    cpuid
    cmp $0x80000001, %eax
    jb no_long_mode
    mov $0x80000001, %eax
    cpuid
    test $(1 << 29), %edx
    jz no_long_mode
    mov %edx, %ebp                  /* keep the NX bit (20) for EFER */

    /* PD entries: 2 MiB pages covering 0..4 GiB (four page directories, contiguous): enough for what
     * runs before paging.c replaces these tables: the image, the boot information, and the page
     * allocator's bitmap and first frames (pmm.c keeps the bitmap below 4 GiB for this). */
    mov $V2P(boot_pd), %ebx
    xor %ecx, %ecx
1:  mov %ecx, %eax
    shl $21, %eax
    or $0x83, %eax                  /* present | writable | 2 MiB page */
    mov %eax, (%ebx, %ecx, 8)
    mov %ecx, %eax
    shr $11, %eax                   /* high dword = (index * 2 MiB) >> 32 */
    mov %eax, 4(%ebx, %ecx, 8)
    inc %ecx
    cmp $2048, %ecx
    jne 1b

    /* PDPT for the low and direct-map halves: four entries -> the four directories. */
    mov $V2P(boot_pdpt_low), %ebx
    mov $V2P(boot_pd), %eax
    or $0x3, %eax
    mov %eax, 0(%ebx)
    add $4096, %eax
    mov %eax, 8(%ebx)
    add $4096, %eax
    mov %eax, 16(%ebx)
    add $4096, %eax
    mov %eax, 24(%ebx)

    /* PDPT for -2 GiB: entry 510 -> the first directory (physical 0..1 GiB). */
    mov $V2P(boot_pdpt_high), %ebx
    mov $V2P(boot_pd), %eax
    or $0x3, %eax
    mov %eax, 510*8(%ebx)

    /* PML4: identity (0), direct map (256), kernel (511). The identity entry keeps the next
     * instructions running once paging is on (they run at physical addresses); the kernel's own
     * tables leave it out. */
    mov $V2P(boot_pml4), %ebx
    mov $V2P(boot_pdpt_low), %eax
    or $0x3, %eax
    mov %eax, 0(%ebx)
    mov %eax, 256*8(%ebx)
    mov $V2P(boot_pdpt_high), %eax
    or $0x3, %eax
    mov %eax, 511*8(%ebx)
    mov %ebx, %cr3

    /* Into long mode as the SDM's "Initializing IA-32e Mode" says: CR3 and PAE, then EFER.LME, and
     * CR0.PG last; the far jump to a 64-bit code segment then leaves compatibility mode. */
    mov %cr4, %eax
    or $(1 << 5), %eax              /* PAE */
    mov %eax, %cr4

    mov $0xc0000080, %ecx           /* EFER */
    rdmsr
    or $(1 << 8), %eax              /* LME */
    test $(1 << 20), %ebp
    jz 2f
    or $(1 << 11), %eax             /* NXE, when the CPU has NX */
2:  wrmsr

    mov %cr0, %eax
    or $((1 << 31) | (1 << 16) | 1), %eax   /* PG | WP | PE */
    mov %eax, %cr0

    /* A minimal GDT: 64-bit code and data only. cpu.c loads the real one, with user segments and the TSS. */
    lgdt V2P(boot_gdt_ptr)
    ljmp $GDT_KERNEL_CS, $V2P(boot_entry64)

/* No console driver yet: write straight to COM1's data port on its power-on settings, and stop. */
no_long_mode:
    mov $V2P(no_lm_msg), %esi
    mov $0x3f8, %dx
3:  lodsb
    test %al, %al
    jz 4f
    out %al, %dx
    jmp 3b
4:  hlt
    jmp 4b

    .code64
boot_entry64:
    mov $GDT_KERNEL_DS, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    xor %ax, %ax
    mov %ax, %fs
    mov %ax, %gs
    /* fs and gs are cleared; cpu.c sets the GS base. An absolute jump, as a relative one would stay in
     * the identity-mapped copy. */
    movabs $boot_higher_half, %rax
    jmp *%rax

    .section .text
boot_higher_half:
    movabs $boot_stack_top, %rsp
    xor %ebp, %ebp                  /* terminates backtraces */
    /* rdi = magic, rsi = multiboot info (physical); zero-extend both */
    mov %edi, %edi
    mov %esi, %esi
    call x64_boot
5:  cli
    hlt
    jmp 5b

    .section .boot.data, "aw"
    .balign 16
boot_gdt:
    .quad 0
    .quad 0x00af9a000000ffff        /* kernel code, 64-bit */
    .quad 0x00cf92000000ffff        /* kernel data */
boot_gdt_end:
boot_gdt_ptr:
    .short boot_gdt_end - boot_gdt - 1
    .long V2P(boot_gdt)
no_lm_msg:
    .asciz "warp: this CPU has no 64-bit long mode; halting\r\n"

    /* Zero at entry, as page tables must be (only the entries written above are set): the loader
     * clears each segment's memory beyond its file contents. */
    .section .boot.bss, "aw", @nobits
    .balign 4096
boot_pml4:      .skip 4096
boot_pdpt_low:  .skip 4096
boot_pdpt_high: .skip 4096
boot_pd:        .skip 4 * 4096
    .global boot_stack_guard, boot_stack_bottom, boot_stack_top
boot_stack_guard:               /* left unmapped by paging.c: an overflow faults */
    .skip 4096
boot_stack_bottom:
    .skip BOOT_STACK_SIZE
boot_stack_top:
