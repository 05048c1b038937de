/* user.h: what every user program includes: the entry point's prototype and the runtime's headers. */
#pragma once

#include <warp/assert.h>
#include <warp/stdio.h>
#include <warp/syscall.h>
#include <warp/types.h>

/*
 * The program's entry, called by crt0 with the registers the kernel set: arg from the spawner, and the
 * read-only initfs archive (NULL and 0 unless the spawner shared it). Its result becomes the exit code.
 */
int main(uint64_t arg, const void *initfs, size_t initfs_size);
