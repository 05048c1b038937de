/* frame_ref.c: per-frame holder counts for user frames shared copy-on-write. */
#include <log.h>
#include <mm/frame_ref.h>
#include <mm/mm.h>
#include <warp/abi.h>
#include <warp/string.h>

static uint16_t *extra; /* extra holders, by frame number */
static uint64_t frames;

uint64_t frame_ref_bytes(uint64_t nframes)
{
    return nframes * sizeof(*extra);
}

/* Zeroed here: at boot every frame has at most one holder. */
void frame_ref_init(uint16_t *table, uint64_t nframes)
{
    memset(table, 0, frame_ref_bytes(nframes));
    extra = table;
    frames = nframes;
}

/* The counter of the frame at pa; a frame outside the table is a kernel bug (only RAM is shared). */
static uint16_t *counter(paddr_t pa)
{
    uint64_t pfn = pa / PAGE_SIZE;
    if (pfn >= frames)
        PANIC("frame_ref: frame %#lx outside RAM", pa);
    return &extra[pfn];
}

bool frame_ref_share(paddr_t pa)
{
    uint16_t *c = counter(pa);
    if (*c == FRAME_REF_MAX)
        return false;
    ++*c;
    return true;
}

bool frame_ref_shared(paddr_t pa)
{
    return *counter(pa) != 0;
}

void frame_ref_drop(paddr_t pa)
{
    uint16_t *c = counter(pa);
    if (*c)
        --*c;
    else
        pmm_free(pa, 1);
}
