/* uname: the fields every Linux program may check. */
#include <stdio.h>
#include <sys/utsname.h>

int main(void)
{
    struct utsname u;
    if (uname(&u) != 0)
        return 1;
    printf("sysname=%s machine=%s\n", u.sysname, u.machine);
    return 0;
}
