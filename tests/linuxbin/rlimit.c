/* rlimit: the resource limits the linux server reports and the changes it takes (case_linux.py checks
 * the lines: the host's limits are the host's, not comparable). */
#include <errno.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lxtest.h"

int main(void)
{
    struct rlimit r, same;
    show("getrlimit NOFILE", getrlimit(RLIMIT_NOFILE, &r));
    printf("NOFILE %llu %llu\n", (unsigned long long)r.rlim_cur, (unsigned long long)r.rlim_max);
    getrlimit(RLIMIT_STACK, &r);
    printf("STACK %llu %llu\n", (unsigned long long)r.rlim_cur, (unsigned long long)r.rlim_max);
    getrlimit(RLIMIT_FSIZE, &r);
    printf("FSIZE infinite %d\n", r.rlim_cur == RLIM_INFINITY && r.rlim_max == RLIM_INFINITY);
    getrlimit(RLIMIT_NOFILE, &same);
    show("setrlimit NOFILE to what it is", setrlimit(RLIMIT_NOFILE, &same));
    r = same;
    r.rlim_cur = 64;
    show("setrlimit NOFILE lower", setrlimit(RLIMIT_NOFILE, &r));
    r.rlim_cur = r.rlim_max + 1;
    show("setrlimit NOFILE soft above hard", setrlimit(RLIMIT_NOFILE, &r));
    show("getrlimit resource 99", syscall(SYS_getrlimit, 99, &r));
    show("getrlimit to NULL", syscall(SYS_getrlimit, RLIMIT_NOFILE, NULL));
    show("getrlimit to a bad address", syscall(SYS_getrlimit, RLIMIT_NOFILE, (void *)16));
    show("prlimit64 of pid 12345", syscall(SYS_prlimit64, 12345, RLIMIT_NOFILE, NULL, &r));
    show("prlimit64 of itself", syscall(SYS_prlimit64, getpid(), RLIMIT_NOFILE, NULL, &r));
    return 0;
}
