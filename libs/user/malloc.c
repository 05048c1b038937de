/* malloc.c: a first-fit heap with coalescing in vm_map'd arenas; large blocks get their own mapping. */
#include <warp/assert.h>
#include <warp/malloc.h>
#include <warp/stdio.h>
#include <warp/string.h>
#include <warp/syscall.h>

#define MALLOC_ALIGN 16
#define MALLOC_MAGIC_USED 0x75736564626c6f6bull  /* an arena block handed out */
#define MALLOC_MAGIC_FREE 0x66726565626c6f6bull  /* an arena block on a free list */
#define MALLOC_MAGIC_LARGE 0x6c61726765626c6bull /* a block with its own mapping */

/* Header in front of every block; the payload follows it. */
struct malloc_block {
    size_t size; /* whole block, header included: a multiple of MALLOC_ALIGN (large: the mapping) */
    uint64_t magic;
};

/* A free arena block: the header, then the link to the next free block at a higher address. */
struct malloc_free {
    struct malloc_block hdr;
    struct malloc_free *next;
};

/* One arena mapping: this header, then blocks tiling the rest of it. */
struct malloc_arena {
    struct malloc_arena *next;
    size_t size;              /* bytes mapped */
    struct malloc_free *free; /* free blocks in address order */
    size_t used;              /* bytes in used blocks */
};

#define MALLOC_HDR sizeof(struct malloc_block)
/* Smallest block: room for the free-list link, rounded so every block keeps payloads aligned. */
#define MALLOC_MIN_BLOCK ((sizeof(struct malloc_free) + MALLOC_ALIGN - 1) & ~(size_t)(MALLOC_ALIGN - 1))
_Static_assert(sizeof(struct malloc_arena) % MALLOC_ALIGN == 0, "arena header keeps blocks aligned");
_Static_assert(MALLOC_HDR % MALLOC_ALIGN == 0, "block header keeps payloads aligned");
_Static_assert(MALLOC_MIN_BLOCK % MALLOC_ALIGN == 0, "block sizes stay multiples of the alignment");

static struct malloc_arena *malloc_arenas;
static size_t malloc_large_count;
static size_t malloc_large_bytes;
static size_t malloc_block_count;

/* Rounds n up to a multiple of a power of two; 0 if that overflows. */
static size_t malloc_round(size_t n, size_t align)
{
    if (n > SIZE_MAX - (align - 1))
        return 0;
    return (n + align - 1) & ~(align - 1);
}

/* First byte past a block. */
static char *malloc_block_end(struct malloc_block *b)
{
    return (char *)b + b->size;
}

/* A new arena is twice the largest one there is (MALLOC_ARENA_SIZE for the first, MALLOC_ARENA_MAX
 * at most): the few mappings a process may hold then cover a heap of hundreds of MiB. */
static size_t malloc_arena_next_size(void)
{
    size_t size = MALLOC_ARENA_SIZE;
    for (const struct malloc_arena *a = malloc_arenas; a; a = a->next)
        if (a->size >= size)
            size = a->size < MALLOC_ARENA_MAX ? a->size * 2 : MALLOC_ARENA_MAX;
    return size;
}

/* Maps a new arena holding one free block and links it in; NULL if the kernel refuses. */
static struct malloc_arena *malloc_arena_new(void)
{
    size_t size = malloc_arena_next_size();
    long addr = warp_vm_map(size, PROT_READ | PROT_WRITE);
    if (addr < 0)
        return NULL;
    struct malloc_arena *a = (struct malloc_arena *)addr;
    struct malloc_free *f = (struct malloc_free *)(a + 1);
    f->hdr.size = size - sizeof(*a);
    f->hdr.magic = MALLOC_MAGIC_FREE;
    f->next = NULL;
    a->size = size;
    a->free = f;
    a->used = 0;
    a->next = malloc_arenas;
    malloc_arenas = a;
    return a;
}

/* Takes need bytes from the first free block of a that fits, splitting it; NULL if none fits. */
static struct malloc_block *malloc_arena_take(struct malloc_arena *a, size_t need)
{
    for (struct malloc_free **link = &a->free; *link; link = &(*link)->next) {
        struct malloc_free *f = *link;
        if (f->hdr.size < need)
            continue;
        if (f->hdr.size - need >= MALLOC_MIN_BLOCK) {
            struct malloc_free *rest = (struct malloc_free *)((char *)f + need);
            rest->hdr.size = f->hdr.size - need;
            rest->hdr.magic = MALLOC_MAGIC_FREE;
            rest->next = f->next;
            *link = rest;
            f->hdr.size = need;
        } else {
            *link = f->next;
        }
        f->hdr.magic = MALLOC_MAGIC_USED;
        a->used += f->hdr.size;
        return &f->hdr;
    }
    return NULL;
}

/* Allocates a block with its own mapping for a large request. */
static void *malloc_large(size_t size)
{
    size_t len = malloc_round(size + MALLOC_HDR, PAGE_SIZE);
    if (len == 0)
        return NULL;
    long addr = warp_vm_map(len, PROT_READ | PROT_WRITE);
    if (addr < 0)
        return NULL;
    struct malloc_block *b = (struct malloc_block *)addr;
    b->size = len;
    b->magic = MALLOC_MAGIC_LARGE;
    malloc_large_count++;
    malloc_large_bytes += len;
    malloc_block_count++;
    return b + 1;
}

/* malloc(3): size bytes, 16-byte aligned, or NULL. */
void *malloc(size_t size)
{
    if (size > SIZE_MAX / 2)
        return NULL;
    if (size >= MALLOC_LARGE_MIN)
        return malloc_large(size);
    size_t need = malloc_round(size + MALLOC_HDR, MALLOC_ALIGN);
    if (need < MALLOC_MIN_BLOCK)
        need = MALLOC_MIN_BLOCK;
    struct malloc_block *b = NULL;
    for (struct malloc_arena *a = malloc_arenas; a && !b; a = a->next)
        b = malloc_arena_take(a, need);
    if (!b) {
        struct malloc_arena *a = malloc_arena_new();
        if (!a)
            return NULL;
        b = malloc_arena_take(a, need);
    }
    malloc_block_count++;
    return b + 1;
}

/* The arena holding p, or NULL. */
static struct malloc_arena *malloc_arena_of(const void *p)
{
    for (struct malloc_arena *a = malloc_arenas; a; a = a->next)
        if ((const char *)p > (const char *)a && (const char *)p < (const char *)a + a->size)
            return a;
    return NULL;
}

/* Inserts f into a's address-ordered free list, merging it with free neighbours. */
static void malloc_arena_give(struct malloc_arena *a, struct malloc_free *f)
{
    struct malloc_free *prev = NULL, *next = a->free;
    while (next && next < f) {
        prev = next;
        next = next->next;
    }
    f->hdr.magic = MALLOC_MAGIC_FREE;
    f->next = next;
    if (next && malloc_block_end(&f->hdr) == (char *)next) {
        f->hdr.size += next->hdr.size;
        f->next = next->next;
        next->hdr.magic = 0;
    }
    if (prev && malloc_block_end(&prev->hdr) == (char *)f) {
        prev->hdr.size += f->hdr.size;
        prev->next = f->next;
        f->hdr.magic = 0;
    } else if (prev) {
        prev->next = f;
    } else {
        a->free = f;
    }
}

/* Unmaps arena a if nothing in it is used and another arena exists (keeps one to avoid thrashing). */
static void malloc_arena_release(struct malloc_arena *a)
{
    if (a->used != 0 || (malloc_arenas == a && a->next == NULL))
        return;
    struct malloc_arena **link = &malloc_arenas;
    while (*link != a)
        link = &(*link)->next;
    *link = a->next;
    long r = warp_vm_unmap(a, a->size);
    ASSERT(r == 0);
}

/* Reports a pointer free/realloc cannot accept, and exits. */
_Noreturn static void malloc_bad_pointer(const char *what, const void *p)
{
    printf("malloc: %s of %p\n", what, p);
    assert_fail("valid heap pointer", __FILE__, __LINE__);
}

/* The header of a pointer returned by malloc; exits on anything else. */
static struct malloc_block *malloc_header(void *ptr, const char *what)
{
    if ((uintptr_t)ptr % MALLOC_ALIGN != 0)
        malloc_bad_pointer(what, ptr);
    struct malloc_block *b = (struct malloc_block *)ptr - 1;
    bool large = b->magic == MALLOC_MAGIC_LARGE && (uintptr_t)b % PAGE_SIZE == 0;
    if (!large && (b->magic != MALLOC_MAGIC_USED || !malloc_arena_of(b)))
        malloc_bad_pointer(b->magic == MALLOC_MAGIC_FREE ? "double free" : what, ptr);
    return b;
}

/* free(3); NULL is ignored. */
void free(void *ptr)
{
    if (!ptr)
        return;
    struct malloc_block *b = malloc_header(ptr, "free");
    malloc_block_count--;
    if (b->magic == MALLOC_MAGIC_LARGE) {
        size_t len = b->size;
        b->magic = 0;
        malloc_large_count--;
        malloc_large_bytes -= len;
        long r = warp_vm_unmap(b, len);
        ASSERT(r == 0);
        return;
    }
    struct malloc_arena *a = malloc_arena_of(b);
    a->used -= b->size;
    malloc_arena_give(a, (struct malloc_free *)b);
    malloc_arena_release(a);
}

/* calloc(3): n * size zeroed bytes, NULL if the product overflows. */
void *calloc(size_t n, size_t size)
{
    if (size != 0 && n > SIZE_MAX / size)
        return NULL;
    void *p = malloc(n * size);
    if (p)
        memset(p, 0, n * size);
    return p;
}

/* realloc(3): grows by moving, keeps the block when it is already big enough. */
void *realloc(void *ptr, size_t size)
{
    if (!ptr)
        return malloc(size);
    if (size == 0) {
        free(ptr);
        return NULL;
    }
    struct malloc_block *b = malloc_header(ptr, "realloc");
    size_t have = b->size - MALLOC_HDR;
    if (size <= have)
        return ptr;
    void *p = malloc(size);
    if (!p)
        return NULL;
    memcpy(p, ptr, have);
    free(ptr);
    return p;
}

/* Fills *out with the heap's counters. */
void malloc_get_stats(struct malloc_stats *out)
{
    size_t arenas = 0, used = 0;
    for (struct malloc_arena *a = malloc_arenas; a; a = a->next) {
        arenas++;
        used += a->used;
    }
    out->arenas = arenas;
    out->mappings = arenas + malloc_large_count;
    out->blocks_in_use = malloc_block_count;
    out->bytes_in_use = used + malloc_large_bytes;
}

/* Checks one arena: blocks tile it, the free list is ordered, coalesced and matches the tags. */
static bool malloc_check_arena(struct malloc_arena *a)
{
    char *p = (char *)(a + 1), *end = (char *)a + a->size;
    struct malloc_free *want = a->free;
    size_t used = 0;
    bool prev_free = false;
    while (p < end) {
        struct malloc_block *b = (struct malloc_block *)p;
        if (b->size < MALLOC_MIN_BLOCK || b->size % MALLOC_ALIGN || b->size > (size_t)(end - p))
            return false;
        bool is_free = b->magic == MALLOC_MAGIC_FREE;
        if (is_free != ((struct malloc_free *)b == want) || (is_free && prev_free))
            return false;
        if (!is_free && b->magic != MALLOC_MAGIC_USED)
            return false;
        if (is_free)
            want = want->next;
        else
            used += b->size;
        prev_free = is_free;
        p += b->size;
    }
    return p == end && want == NULL && used == a->used;
}

/* Checks every arena. */
bool malloc_check(void)
{
    for (struct malloc_arena *a = malloc_arenas; a; a = a->next)
        if (!malloc_check_arena(a))
            return false;
    return true;
}
