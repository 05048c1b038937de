/* usercopy.S: copies that touch the current address space's user half and survive its page faults. */

/*
 * bool arch_copy_from_user(void *dst, uaddr_t src, size_t n)
 * bool arch_copy_to_user(uaddr_t dst, const void *src, size_t n)
 *
 * One routine serves both directions: it copies n bytes (8 at a time, then the tail) and returns
 * true. If a user page is missing or read-only the CPU raises #PF at one of the two string
 * instructions; trap.c finds that address in the .extable section and resumes at the fixup, which
 * returns false. Bytes before the faulting one may have moved. The kernel leaves SMAP off (cpu.c);
 * turning it on needs stac/clac around the copy.
 */
    .text
    .global arch_copy_from_user, arch_copy_to_user
arch_copy_from_user:
arch_copy_to_user:
    /* The argument registers are already movs's: rdi destination, rsi source; rdx = n. The direction
     * flag is clear (every kernel entry runs cld), so the copy goes forward. */
    mov %rdx, %rcx
    shr $3, %rcx
    and $7, %edx
1:  rep movsq
    mov %rdx, %rcx
2:  rep movsb
    mov $1, %eax
    ret
    /* Reached only through trap_fixup, with the faulting instruction's registers: how far the copy
     * got is lost, as callers need only the failure. */
3:  xor %eax, %eax
    ret

    /* (faulting instruction, where to resume) pairs, read by trap.c. */
    .section .extable, "a"
    .balign 8
    .quad 1b, 3b
    .quad 2b, 3b
