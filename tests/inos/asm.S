/* asm.S: assembly probes for the in-OS tests: register and SSE state across system calls and preemption. */

/* Sets bit `bit` of rax unless `reg` still holds `val`. */
.macro CHECK reg, val, bit
    cmp $\val, %\reg
    je 1f
    or $\bit, %rax
1:
.endm

    .text

/*
 * uint64_t asm_syscall_regs(long nr): issues system call nr (with whatever is in the argument
 * registers) holding sentinels in the callee-saved registers; returns a bitmask of those changed:
 * rbx 1, rbp 2, r12 4, r13 8, r14 16, r15 32.
 */
    .globl asm_syscall_regs
    .type asm_syscall_regs, @function
asm_syscall_regs:
    push %rbx
    push %rbp
    push %r12
    push %r13
    push %r14
    push %r15
    mov %rdi, %rax
    mov $0x11111111, %rbx
    mov $0x22222222, %rbp
    mov $0x33333333, %r12
    mov $0x44444444, %r13
    mov $0x55555555, %r14
    mov $0x66666666, %r15
    syscall
    xor %eax, %eax
    CHECK rbx, 0x11111111, 1
    CHECK rbp, 0x22222222, 2
    CHECK r12, 0x33333333, 4
    CHECK r13, 0x44444444, 8
    CHECK r14, 0x55555555, 16
    CHECK r15, 0x66666666, 32
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %rbp
    pop %rbx
    ret
    .size asm_syscall_regs, . - asm_syscall_regs

/*
 * uint64_t asm_spin_regs(uint64_t loops): counts rax down from loops with a sentinel in every
 * other general-purpose register (but rsp), so timer interrupts and preemption hit it mid-loop;
 * returns a bitmask of the registers changed: rbx 1, rcx 2, rdx 4, rsi 8, rdi 16, rbp 32, r8 64 ...
 * r15 8192.
 */
    .globl asm_spin_regs
    .type asm_spin_regs, @function
asm_spin_regs:
    push %rbx
    push %rbp
    push %r12
    push %r13
    push %r14
    push %r15
    mov %rdi, %rax
    mov $0x01010101, %rbx
    mov $0x02020202, %rcx
    mov $0x03030303, %rdx
    mov $0x04040404, %rsi
    mov $0x05050505, %rdi
    mov $0x06060606, %rbp
    mov $0x07070707, %r8
    mov $0x08080808, %r9
    mov $0x09090909, %r10
    mov $0x0a0a0a0a, %r11
    mov $0x0b0b0b0b, %r12
    mov $0x0c0c0c0c, %r13
    mov $0x0d0d0d0d, %r14
    mov $0x0e0e0e0e, %r15
2:
    dec %rax
    jnz 2b
    CHECK rbx, 0x01010101, 1
    CHECK rcx, 0x02020202, 2
    CHECK rdx, 0x03030303, 4
    CHECK rsi, 0x04040404, 8
    CHECK rdi, 0x05050505, 16
    CHECK rbp, 0x06060606, 32
    CHECK r8, 0x07070707, 64
    CHECK r9, 0x08080808, 128
    CHECK r10, 0x09090909, 256
    CHECK r11, 0x0a0a0a0a, 512
    CHECK r12, 0x0b0b0b0b, 1024
    CHECK r13, 0x0c0c0c0c, 2048
    CHECK r14, 0x0d0d0d0d, 4096
    CHECK r15, 0x0e0e0e0e, 8192
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %rbp
    pop %rbx
    ret
    .size asm_spin_regs, . - asm_spin_regs

/*
 * uint64_t asm_sse_hold(uint64_t pattern, uint64_t deadline_ns, long clock_nr): fills xmm0-xmm15
 * with pattern and checks them over and over until the clock (system call clock_nr) passes
 * deadline_ns. Returns 0 if they never changed, 1 if one did (another process's SSE state leaked in).
 */
    .globl asm_sse_hold
    .type asm_sse_hold, @function
asm_sse_hold:
    push %rbx
    push %r12
    push %r13
    push %r14
    sub $16, %rsp
    mov %rdi, %rbx
    mov %rsi, %r12
    mov %rdx, %r13
    movq %rdi, %xmm0
    punpcklqdq %xmm0, %xmm0
    .irp r, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
    movdqa %xmm0, %xmm\r
    .endr
3:
    mov $256, %r14d
4:
    .irp r, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
    movdqu %xmm\r, (%rsp)
    cmp (%rsp), %rbx
    jne 5f
    cmp 8(%rsp), %rbx
    jne 5f
    .endr
    dec %r14
    jnz 4b
    mov %r13, %rax
    syscall
    cmp %r12, %rax
    jb 3b
    xor %eax, %eax
    jmp 6f
5:
    mov $1, %eax
6:
    add $16, %rsp
    pop %r14
    pop %r13
    pop %r12
    pop %rbx
    ret
    .size asm_sse_hold, . - asm_sse_hold

/*
 * void asm_syscall_bad_rsp(long nr): points rsp into the kernel half, issues system call nr and
 * then executes ud2 without touching the stack. A kernel that switches stacks on entry returns
 * normally and the process dies of an invalid opcode at asm_syscall_bad_rsp_ud2.
 */
    .globl asm_syscall_bad_rsp
    .globl asm_syscall_bad_rsp_ud2
    .type asm_syscall_bad_rsp, @function
asm_syscall_bad_rsp:
    mov %rdi, %rax
    movabs $0xffff800000010000, %rsp
    syscall
asm_syscall_bad_rsp_ud2:
    ud2
    .size asm_syscall_bad_rsp, . - asm_syscall_bad_rsp

    .section .note.GNU-stack, "", @progbits
