/* segv: a null pointer write ends the process (no signal delivery yet), not the server. */
#include <stdio.h>

int main(void)
{
    volatile int *p = (int *)0;
    printf("about to fault\n");
    fflush(stdout);
    *p = 1;
    return 0;
}
