/* sys_vm.c: the memory system calls: SYS_VM_MAP and SYS_VM_UNMAP (docs/syscalls.md). */
#include <proc.h>
#include <sched.h>
#include <syscall.h>
#include <vm.h>
#include <warp/error.h>

/* One mapping at most: bounds the frames and page tables a single call can take. */
#define VM_MAP_MAX (1ul << 30)

/* Zeroed pages at an address the kernel picks, always readable; writable with executable is
 * refused (W^X). */
long sys_vm_map(const struct syscall_args *a)
{
    uint64_t len = a->a1;
    uint64_t prot = a->a2;
    if (len == 0 || prot == 0 || (prot & ~(uint64_t)(PROT_READ | PROT_WRITE | PROT_EXEC)) ||
        ((prot & PROT_WRITE) && (prot & PROT_EXEC)))
        return ERR_INVALID_ARG;
    if (len > VM_MAP_MAX)
        return ERR_TOO_LARGE;
    struct vm_space *vs = &proc_current()->vm;
    uint64_t npages = (len + PAGE_SIZE - 1) / PAGE_SIZE;
    uaddr_t addr = vm_find_free(vs, npages);
    if (vm_count_user(vs) >= VM_MAX_ANON || !addr)
        return ERR_NO_RESOURCES;
    long err = vm_map_anon(vs, addr, npages, (unsigned)(prot | PROT_READ), VM_ANON, sched_preempt_point);
    return err < 0 ? err : (long)addr;
}

/* A whole mapping only, named as it was made: len rounds up to pages just as at map time. */
long sys_vm_unmap(const struct syscall_args *a)
{
    uaddr_t addr = a->a1;
    uint64_t len = a->a2;
    if (addr & (PAGE_SIZE - 1))
        return ERR_INVALID_ARG;
    if (len == 0 || len > VM_MAP_MAX)
        return ERR_NOT_FOUND;
    return vm_unmap_user(&proc_current()->vm, addr, (len + PAGE_SIZE - 1) / PAGE_SIZE, sched_preempt_point);
}
