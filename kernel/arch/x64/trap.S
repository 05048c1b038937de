/* trap.S: interrupt and exception entry stubs, the common save/restore path, and the syscall entry. */
#include "layout.h"

#define SYSCALL_MARK 0x100 /* trap_frame.vector of a system call */

/* Push the general registers in struct trap_frame order (r15 ends up lowest). */
.macro SAVE_GPRS
    push %rax
    push %rbx
    push %rcx
    push %rdx
    push %rsi
    push %rdi
    push %rbp
    push %r8
    push %r9
    push %r10
    push %r11
    push %r12
    push %r13
    push %r14
    push %r15
.endm

.macro RESTORE_GPRS
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %r11
    pop %r10
    pop %r9
    pop %r8
    pop %rbp
    pop %rdi
    pop %rsi
    pop %rdx
    pop %rcx
    pop %rbx
    pop %rax
.endm

/* One stub per vector; the CPU pushes an error code only for 8, 10-14, 17, 21, 29, 30. */
.macro VECTOR n
    .balign 16
vector_\n:
    .if !(\n == 8 || (\n >= 10 && \n <= 14) || \n == 17 || \n == 21 || \n == 29 || \n == 30)
    push $0
    .endif
    push $\n
    jmp trap_common
.endm

    .text
    .balign 16
vectors_start:
    .altmacro
    .set i, 0
    .rept 256
    VECTOR %i
    .set i, i + 1
    .endr
    .noaltmacro

/*
 * Stack: vector, error code, then the CPU's rip, cs, rflags, rsp, ss. From user mode the GS base is
 * still the user's, so swapgs brings back the kernel's (%gs:0 is our struct cpu); from kernel mode
 * it already is. The CPU aligned rsp to 16 before its frame, and 22 words later the call is still
 * aligned. cld: the C ABI wants the direction flag clear, and user mode may have set it.
 */
trap_common:
    testb $3, 24(%rsp)              /* cs: did we come from user mode? */
    jz 1f
    swapgs
1:  SAVE_GPRS
    mov %rsp, %rdi
    cld
    call trap_handle
    .global trap_return_user
/* Also the way out of a new thread's first run and of syscalls that cannot sysret. The frame's cs
 * says where we return to: swapgs only on the way to user mode, mirroring the entry. */
trap_return_user:
    RESTORE_GPRS
    add $16, %rsp                   /* vector, error code */
    testb $3, 8(%rsp)
    jz 2f
    swapgs
2:  iretq

/* A new thread's first switch returns here: finish the switch in C, then enter user mode. */
    .global thread_start
thread_start:
    call proc_thread_started
    jmp trap_return_user

/*
 * syscall: rcx = user rip, r11 = user rflags, IF cleared by FMASK. Build a struct trap_frame on the
 * thread's kernel stack so the C side and the fault paths see one layout.
 */
    .global syscall_entry
syscall_entry:
    swapgs
    /* syscall does not switch stacks: park the user rsp in per-CPU scratch and load the thread's
     * kernel stack. Interrupts stay off (FMASK) until sysret or iret, so nothing else uses the
     * scratch meanwhile. Then the frame an interrupt would have: ss, rsp, rflags, cs, rip. */
    mov %rsp, %gs:CPU_USER_RSP
    mov %gs:CPU_KERNEL_RSP, %rsp
    push $(GDT_USER_DS | 3)
    push %gs:CPU_USER_RSP
    push %r11
    push $(GDT_USER_CS | 3)
    push %rcx
    push $0
    push $SYSCALL_MARK
    SAVE_GPRS
    mov %rsp, %rdi
    cld
    call syscall_handle
    /* sysret to a non-canonical rip would fault in ring 0, and sysret overwrites rcx and r11, which
     * a supervisor may have set (arch_thread_set_regs marks the frame's error code): take the iret
     * path for those. */
    movabs $0x00007fffffffffff, %rax
    cmp %rax, 17*8(%rsp)         /* trap_frame.rip */
    ja trap_return_user
    cmpq $0, 16*8(%rsp)          /* trap_frame.error_code */
    jne trap_return_user
    RESTORE_GPRS
    add $16, %rsp
    /* sysretq takes rip from rcx and rflags from r11, and forces the user cs and ss from STAR. */
    pop %rcx                        /* rip */
    add $8, %rsp                    /* cs */
    pop %r11                        /* rflags */
    swapgs
    pop %rsp                        /* the user stack; nothing below touches memory */
    sysretq

/* thread_switch_stack(save_rsp, new_rsp): save callee-saved registers, change stacks, restore. */
    .global thread_switch_stack
/* Only the callee-saved registers: to its C caller this is an ordinary call, so the others are
 * saved already or dead. The other thread resumes in its own call of this function. */
thread_switch_stack:
    push %rbp
    push %rbx
    push %r12
    push %r13
    push %r14
    push %r15
    mov %rsp, (%rdi)
    mov %rsi, %rsp
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %rbx
    pop %rbp
    ret

    .section .rodata
    .balign 8
    .global trap_vectors
/* Each stub (two pushes and a jmp) fits in its 16-byte slot: vector n's is at vectors_start + 16n. */
trap_vectors:
    .set i, 0
    .rept 256
    .quad vectors_start + i * 16
    .set i, i + 1
    .endr
