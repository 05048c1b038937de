/* readfile PATH...: each file's size and first line, or the errno of its open or read, by the path's
 * last component (so that a host run over other paths prints the same). Exit code: the failures. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    int failed = 0;
    printf("argc %d\n", argc);
    for (int i = 1; i < argc; i++) {
        const char *slash = strrchr(argv[i], '/'), *name = slash ? slash + 1 : argv[i];
        static char buf[256], rest[1 << 16];
        int fd = open(argv[i], O_RDONLY);
        if (fd < 0) {
            printf("%s: open: errno %d\n", name, errno);
            failed++;
            continue;
        }
        ssize_t n = read(fd, buf, sizeof(buf) - 1), total = n > 0 ? n : 0;
        buf[total] = '\0';
        while (n > 0 && (n = read(fd, rest, sizeof(rest))) > 0)
            total += n;
        char *nl = strchr(buf, '\n');
        if (nl)
            *nl = '\0';
        if (n < 0) {
            printf("%s: read: errno %d\n", name, errno);
            failed++;
        } else {
            printf("%s: %zd bytes, first line \"%.60s\"\n", name, total, buf);
        }
        close(fd);
    }
    return failed;
}
