/* idt.c: the interrupt descriptor table (Intel SDM vol. 3, 6.14). */
#include <arch.h>
#include "x64.h"

struct idt_gate {
    uint16_t offset_lo, selector;
    uint8_t ist, type_attr;
    uint16_t offset_mid;
    uint32_t offset_hi, zero;
} __attribute__((packed));

static struct idt_gate idt[256];

/* Point vector n at its stub as a ring-0 interrupt gate (IF cleared on entry). */
static void idt_set(int n, uint64_t handler, uint8_t ist)
{
    idt[n] = (struct idt_gate){
        .offset_lo = handler & 0xffff,
        .selector = GDT_KERNEL_CS,
        .ist = ist,
        .type_attr = 0x8e,
        .offset_mid = (handler >> 16) & 0xffff,
        .offset_hi = handler >> 32,
    };
}

/* Install all 256 stubs; double fault, NMI and machine check run on their own IST stacks. */
void idt_init(void)
{
    for (int i = 0; i < 256; i++)
        idt_set(i, trap_vectors[i], 0);
    /* #DF gets a stack of its own: a kernel stack overflow ends in one, on a stack that is unusable.
     * NMI and #MC may strike anywhere, even on a stack in the middle of an update; one each, so
     * that one arriving during the other does not overwrite its frame. */
    idt_set(VEC_DOUBLE_FAULT, trap_vectors[VEC_DOUBLE_FAULT], 1);
    idt_set(VEC_NMI, trap_vectors[VEC_NMI], 2);
    idt_set(VEC_MACHINE_CHECK, trap_vectors[VEC_MACHINE_CHECK], 3);
    struct {
        uint16_t limit;
        uint64_t base;
    } __attribute__((packed)) ptr = {sizeof(idt) - 1, (uint64_t)idt};
    __asm__ volatile("lidt %0" ::"m"(ptr));
}
