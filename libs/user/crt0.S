/* crt0.S: process entry: _start calls main(arg, initfs, initfs_size) and exits with its result. */

/*
 * The kernel enters here with rdi = arg, rsi = initfs base, rdx = initfs size (see docs/syscalls.md)
 * and rsp 16-byte aligned. Those three registers are exactly main's first three arguments.
 */
    .section .text.start, "ax"
    .globl _start
    .type _start, @function
_start:
    mov %rsp, user_entry_rsp(%rip)  /* for the tests: where the kernel put the stack */
    xor %ebp, %ebp                  /* end of the frame-pointer chain */
    and $-16, %rsp                  /* the ABI's alignment at a call, whatever we were given */
    call main
    mov %eax, %edi
    call warp_exit
    ud2
    .size _start, . - _start

    .bss
    .balign 8
    .globl user_entry_rsp
    .type user_entry_rsp, @object
user_entry_rsp:
    .quad 0
    .size user_entry_rsp, 8

    .section .note.GNU-stack, "", @progbits
