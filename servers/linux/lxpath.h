/* lxpath.h: paths as the linux server keeps them (pure: no system calls). */
#pragma once

/* Rewrites an absolute path in place to its lexically normal form: no empty, "." or ".." names
 * (".." at the root stays there), no trailing slash, "/" for none; never longer than before.
 * The working directory is kept so (getcwd shows it), as Linux shows a path without symlinks. */
void lxpath_normalize(char *path);
