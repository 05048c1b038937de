/* ksyms.c: looks addresses up in the table that tools/ksyms generates after a first link. */
#include <ksyms.h>

/* Generated: count, sorted addresses, and offsets of NUL-terminated names into ksyms_names. */
extern const uint64_t ksyms_count;
extern const uint64_t ksyms_addrs[];
extern const uint32_t ksyms_name_offsets[];
extern const char ksyms_names[];
extern char __text_end[];

/* Binary search for the last symbol at or below addr; past __text_end nothing is a function. */
const char *ksym_lookup(uint64_t addr, uint64_t *offset)
{
    if (ksyms_count == 0 || addr < ksyms_addrs[0] || addr >= (uint64_t)__text_end)
        return NULL;
    uint64_t lo = 0, hi = ksyms_count; /* find the last entry <= addr */
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (ksyms_addrs[mid] <= addr)
            lo = mid;
        else
            hi = mid;
    }
    *offset = addr - ksyms_addrs[lo];
    return ksyms_names + ksyms_name_offsets[lo];
}
