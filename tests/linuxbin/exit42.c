/* exit42: output still buffered at exit is flushed, and the exit code is 42. */
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
    printf("exiting with 42");
    exit(42);
}
