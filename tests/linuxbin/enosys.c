/* enosys: a system call the server does not implement (vhangup) gives ENOSYS, logged once by name. */
#include <errno.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
    long a = syscall(SYS_vhangup);
    int ea = errno;
    long b = syscall(SYS_vhangup);
    int eb = errno;
    printf("vhangup: %ld errno %d, again: %ld errno %d\n", a, ea, b, eb);
    return 0;
}
