/* enosys: a system call the server does not implement (sysinfo) gives ENOSYS, logged once by name. */
#include <errno.h>
#include <stdio.h>
#include <sys/sysinfo.h>

int main(void)
{
    struct sysinfo si;
    int a = sysinfo(&si), ea = errno;
    int b = sysinfo(&si), eb = errno;
    printf("sysinfo: %d errno %d, again: %d errno %d\n", a, ea, b, eb);
    return 0;
}
