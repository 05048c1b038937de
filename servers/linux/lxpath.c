/* lxpath.c: paths as the linux server keeps them (pure; tests/unit/test_linux_fd.c). */
#include "lxpath.h"

#include <warp/string.h>

void lxpath_normalize(char *path)
{
    char *w = path;
    const char *r = path;
    while (*r) {
        while (*r == '/')
            r++;
        const char *name = r;
        while (*r && *r != '/')
            r++;
        size_t n = (size_t)(r - name);
        if (n == 0 || (n == 1 && name[0] == '.'))
            continue;
        if (n == 2 && name[0] == '.' && name[1] == '.') {
            while (w > path && *--w != '/')
                ;
            continue;
        }
        *w++ = '/';
        memmove(w, name, n);
        w += n;
    }
    if (w == path)
        *w++ = '/';
    *w = '\0';
}
