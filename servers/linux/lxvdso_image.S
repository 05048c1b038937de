/* lxvdso_image.S: the linked vDSO (servers/linux/vdso, built by servers/linux/build.mk) as bytes of
 * the server's read-only data, which lxvdso.c copies into each Linux process. */
    .section .rodata
    .balign 16
    .globl lxvdso_image, lxvdso_image_end
lxvdso_image:
    .incbin LXVDSO_IMAGE
lxvdso_image_end:
    .section .note.GNU-stack, "", @progbits
