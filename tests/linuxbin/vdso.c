/* vdso: the vDSO named by AT_SYSINFO_EHDR exports Linux's four time functions under LINUX_2.6,
 * and what they return agrees with the system calls they stand for: each vDSO reading lies between
 * the system-call readings around it, bad clock ids give -EINVAL, the CPU-time clocks work. */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

typedef long (*gettime_fn)(long, struct timespec *);
typedef long (*getres_fn)(long, struct timespec *);
typedef long (*tod_fn)(struct timeval *, void *);
typedef long (*time_fn)(long *);

/* The address of a dynamic symbol of the vDSO at base whose version is `version`, or NULL. */
static void *vdso_sym(const char *base, const char *name, const char *version)
{
    const Elf64_Ehdr *eh = (const void *)base;
    const Elf64_Phdr *ph = (const void *)(base + eh->e_phoff);
    const Elf64_Dyn *dyn = NULL;
    long bias = -1;
    for (int i = 0; i < eh->e_phnum; i++) {
        if (ph[i].p_type == PT_LOAD && bias < 0)
            bias = (long)(ph[i].p_offset - ph[i].p_vaddr);
        if (ph[i].p_type == PT_DYNAMIC)
            dyn = (const void *)(base + ph[i].p_offset);
    }
    if (!dyn || bias < 0)
        return NULL;
    const Elf64_Sym *syms = NULL;
    const char *strs = NULL;
    const Elf32_Word *hash = NULL;
    const Elf64_Half *versym = NULL;
    const Elf64_Verdef *verdef = NULL;
    for (; dyn->d_tag != DT_NULL; dyn++) {
        const char *p = base + bias + dyn->d_un.d_ptr;
        switch (dyn->d_tag) {
        case DT_SYMTAB: syms = (const void *)p; break;
        case DT_STRTAB: strs = p; break;
        case DT_HASH: hash = (const void *)p; break;
        case DT_VERSYM: versym = (const void *)p; break;
        case DT_VERDEF: verdef = (const void *)p; break;
        }
    }
    if (!syms || !strs || !hash || !versym || !verdef)
        return NULL;
    for (Elf32_Word i = 1; i < hash[1]; i++) {
        if (strcmp(strs + syms[i].st_name, name) != 0 || syms[i].st_shndx == SHN_UNDEF)
            continue;
        for (const Elf64_Verdef *d = verdef;; d = (const void *)((const char *)d + d->vd_next)) {
            const Elf64_Verdaux *aux = (const void *)((const char *)d + d->vd_aux);
            if (d->vd_ndx == (versym[i] & 0x7fff) && strcmp(strs + aux->vda_name, version) == 0)
                return (void *)(base + bias + syms[i].st_value);
            if (!d->vd_next)
                break;
        }
    }
    return NULL;
}

static long long ns(const struct timespec *t)
{
    return t->tv_sec * 1000000000LL + t->tv_nsec;
}

/* The system call itself, never the vDSO. */
static long long sys_now(long id)
{
    struct timespec t;
    syscall(SYS_clock_gettime, id, &t);
    return ns(&t);
}

int main(void)
{
    const char *base = (const char *)getauxval(AT_SYSINFO_EHDR);
    printf("AT_SYSINFO_EHDR: %s\n", base ? "present" : "absent");
    if (!base)
        return 1;
    gettime_fn gettime = vdso_sym(base, "__vdso_clock_gettime", "LINUX_2.6");
    getres_fn getres = vdso_sym(base, "__vdso_clock_getres", "LINUX_2.6");
    tod_fn tod = vdso_sym(base, "__vdso_gettimeofday", "LINUX_2.6");
    time_fn tm = vdso_sym(base, "__vdso_time", "LINUX_2.6");
    printf("symbols: clock_gettime %d, clock_getres %d, gettimeofday %d, time %d\n", !!gettime, !!getres,
           !!tod, !!tm);
    if (!gettime || !getres || !tod || !tm)
        return 1;

    int ordered = 1;
    static const long mono[] = {CLOCK_MONOTONIC, CLOCK_MONOTONIC_RAW, CLOCK_BOOTTIME};
    for (unsigned i = 0; i < sizeof(mono) / sizeof(mono[0]); i++)
        for (int k = 0; k < 100; k++) {
            struct timespec t;
            long long a = sys_now(mono[i]);
            long r = gettime(mono[i], &t);
            long long b = sys_now(mono[i]);
            ordered &= r == 0 && a <= ns(&t) && ns(&t) <= b && t.tv_nsec >= 0 && t.tv_nsec < 1000000000;
        }
    printf("monotonic clocks between system calls: %d\n", ordered);

    struct timespec t, res;
    long long a = sys_now(CLOCK_REALTIME);
    long r = gettime(CLOCK_REALTIME, &t);
    long long b = sys_now(CLOCK_REALTIME);
    printf("realtime between system calls: %d\n", r == 0 && a <= ns(&t) && ns(&t) <= b);
    struct timeval tv;
    a = sys_now(CLOCK_REALTIME) / 1000;
    r = tod(&tv, NULL);
    b = sys_now(CLOCK_REALTIME) / 1000;
    long long us = tv.tv_sec * 1000000LL + tv.tv_usec;
    printf("gettimeofday: %ld, between: %d\n", r, a <= us && us <= b);
    long sec = 0;
    a = sys_now(CLOCK_REALTIME) / 1000000000;
    long ret = tm(&sec);
    b = sys_now(CLOCK_REALTIME) / 1000000000;
    printf("time: returns what it stores %d, between %d\n", ret == sec, a <= sec && sec <= b);
    printf("gettimeofday with NULL: %ld\n", tod(NULL, NULL));
    printf("time with NULL: %d\n", tm(NULL) >= a);

    r = getres(CLOCK_MONOTONIC, &res);
    printf("clock_getres(MONOTONIC): %ld, positive %d\n", r, res.tv_sec == 0 && res.tv_nsec > 0);
    printf("clock_getres(MONOTONIC, NULL): %ld\n", getres(CLOCK_MONOTONIC, NULL));
    printf("clock_gettime(PROCESS_CPUTIME_ID): %ld\n", gettime(CLOCK_PROCESS_CPUTIME_ID, &t));
    printf("clock_gettime(THREAD_CPUTIME_ID): %ld\n", gettime(CLOCK_THREAD_CPUTIME_ID, &t));
    printf("clock_gettime(-1): %ld (-EINVAL is %d)\n", gettime(-1, &t), -EINVAL);
    printf("clock_gettime(100): %ld\n", gettime(100, &t));
    printf("clock_getres(100): %ld\n", getres(100, &res));
    /* musl's own clock_gettime, which goes through the vDSO when there is one */
    long long c0 = sys_now(CLOCK_MONOTONIC);
    clock_gettime(CLOCK_MONOTONIC, &t);
    long long c1 = sys_now(CLOCK_MONOTONIC);
    printf("libc clock_gettime between: %d\n", c0 <= ns(&t) && ns(&t) <= c1);
    return 0;
}
