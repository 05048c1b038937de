/* sysinfo: what the machine reports of itself (case_linux.py checks the lines: the host's figures
 * are its own). */
#include <errno.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <unistd.h>

int main(void)
{
    struct sysinfo si;
    int r = sysinfo(&si);
    printf("sysinfo: %d\n", r);
    printf("uptime at least a second: %d\n", si.uptime >= 1);
    printf("mem_unit %u, some RAM: %d, free at most total: %d\n", si.mem_unit, si.totalram >= (16ul << 20),
           si.freeram <= si.totalram && si.freeram > 0);
    printf("processes: %d, loads %lu %lu %lu, swap %lu\n", si.procs > 1, si.loads[0], si.loads[1],
           si.loads[2], si.totalswap);
    errno = 0;
    long bad = syscall(SYS_sysinfo, (void *)16);
    printf("sysinfo to a bad address: %ld errno %d\n", bad, errno);
    return 0;
}
