/* hello: stdio through musl (printf, puts, fputs to stderr), exit code 0. */
#include <stdio.h>

int main(void)
{
    printf("Hello from Linux, %d + %d = %d\n", 2, 3, 2 + 3);
    puts("a second line through puts");
    fputs("and one on stderr\n", stderr);
    printf("%s %5.2f %x %-4s|\n", "formats:", 3.14159, 0xbeef, "ab");
    return 0;
}
