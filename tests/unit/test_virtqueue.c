/* test_virtqueue.c: unit tests for split virtqueues against a simulated device, past the 16-bit wrap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

/* The code under test, compiled into this file (it is pure: no system calls). */
#include "libs/virtio/virtqueue.c"

#define PHYS 0x40000000ull /* where the ring memory pretends to live */
#define QSIZE 16

/* A queue, its ring memory and cookies, and the device's view of it. */
struct fixture {
    struct virtq vq;
    void *mem;
    void *cookies[VIRTQ_SIZE_MAX];
    uint16_t dev_avail;            /* the device's next available entry */
    uint16_t held[VIRTQ_SIZE_MAX]; /* heads the device took and has not returned */
    unsigned nheld;
};

static struct fixture *fx_new(uint16_t size)
{
    struct fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    f->mem = aligned_alloc(VIRTQ_ALIGN, virtq_bytes(size));
    assert_non_null(f->mem);
    assert_int_equal(virtq_init(&f->vq, 1, size, f->mem, PHYS, f->cookies), 0);
    return f;
}

static void fx_free(struct fixture *f)
{
    free(f->mem);
    free(f);
}

/* Device: takes every newly available chain; checks its shape; returns the writable length. */
static void dev_take(struct fixture *f)
{
    struct virtq *vq = &f->vq;
    while (f->dev_avail != vq->avail->idx) {
        uint16_t head = vq->avail->ring[f->dev_avail % vq->size];
        assert_true(head < vq->size);
        f->held[f->nheld++] = head;
        f->dev_avail++;
    }
}

/* Device: returns held chain i, claiming to have written len bytes. */
static void dev_return(struct fixture *f, unsigned i, uint32_t len)
{
    struct virtq *vq = &f->vq;
    uint16_t idx = vq->used->idx;
    vq->used->ring[idx % vq->size].id = f->held[i];
    vq->used->ring[idx % vq->size].len = len;
    vq->used->idx = (uint16_t)(idx + 1);
    f->held[i] = f->held[--f->nheld];
}

/* The free list holds exactly num_free distinct descriptors. */
static void check_free_list(const struct virtq *vq)
{
    bool seen[VIRTQ_SIZE_MAX] = {0};
    uint16_t d = vq->free_head;
    for (unsigned i = 0; i < vq->num_free; i++) {
        assert_true(d < vq->size && !seen[d]);
        seen[d] = true;
        d = vq->desc[d].next;
    }
}

/* The layout of §2.6.2: avail after the descriptors, used on the next 4096 boundary. */
static void test_layout(void **state)
{
    (void)state;
    assert_int_equal(virtq_bytes(256), 12288);
    assert_int_equal(virtq_bytes(1), 8192);
    assert_int_equal(virtq_bytes(0), 0);
    assert_int_equal(virtq_bytes(3), 0);
    assert_int_equal(virtq_bytes(65535), 0);
    assert_int_not_equal(virtq_bytes(VIRTQ_SIZE_MAX), 0);
    struct fixture *f = fx_new(256);
    assert_int_equal(f->vq.desc_phys, PHYS);
    assert_int_equal(f->vq.avail_phys, PHYS + 4096);
    assert_int_equal(f->vq.used_phys, PHYS + 8192);
    assert_ptr_equal((uint8_t *)f->vq.used, (uint8_t *)f->mem + 8192);
    assert_int_equal(f->vq.num_free, 256);
    fx_free(f);
}

/* virtq_init refuses bad sizes and unaligned memory. */
static void test_init_errors(void **state)
{
    (void)state;
    struct virtq vq;
    static void *cookies[8];
    void *mem = aligned_alloc(VIRTQ_ALIGN, 8192);
    assert_int_equal(virtq_init(&vq, 0, 0, mem, PHYS, cookies), ERR_INVALID_ARG);
    assert_int_equal(virtq_init(&vq, 0, 6, mem, PHYS, cookies), ERR_INVALID_ARG);
    assert_int_equal(virtq_init(&vq, 0, 8, mem, PHYS + 16, cookies), ERR_INVALID_ARG);
    assert_int_equal(virtq_init(&vq, 0, 8, NULL, PHYS, cookies), ERR_INVALID_ARG);
    assert_int_equal(virtq_init(&vq, 0, 8, mem, PHYS, NULL), ERR_INVALID_ARG);
    assert_int_equal(virtq_init(&vq, 0, 8, mem, PHYS, cookies), 0);
    free(mem);
}

/* One 2-descriptor chain out and back: descriptors, flags, cookie, length, free count. */
static void test_round_trip(void **state)
{
    (void)state;
    struct fixture *f = fx_new(QSIZE);
    int token;
    struct virtq_buf bufs[2] = {{0x1000, 12, false}, {0x2000, 1500, true}};
    long head = virtq_add(&f->vq, bufs, 2, &token);
    assert_true(head >= 0 && head < QSIZE);
    assert_int_equal(f->vq.num_free, QSIZE - 2);
    volatile struct virtq_desc *d0 = &f->vq.desc[head], *d1 = &f->vq.desc[d0->next];
    assert_int_equal(d0->addr, 0x1000);
    assert_int_equal(d0->len, 12);
    assert_int_equal(d0->flags, VIRTQ_DESC_F_NEXT);
    assert_int_equal(d1->addr, 0x2000);
    assert_int_equal(d1->flags, VIRTQ_DESC_F_WRITE);
    assert_int_equal(f->vq.avail->idx, 0); /* not published yet */
    assert_true(virtq_publish(&f->vq));
    assert_false(virtq_publish(&f->vq)); /* nothing new */
    assert_int_equal(f->vq.avail->idx, 1);

    void *cookie = NULL;
    uint32_t len = 0;
    assert_int_equal(virtq_pop(&f->vq, &cookie, &len), 0);
    dev_take(f);
    dev_return(f, 0, 77);
    assert_int_equal(virtq_pending_used(&f->vq), 1);
    assert_int_equal(virtq_pop(&f->vq, &cookie, &len), 1);
    assert_ptr_equal(cookie, &token);
    assert_int_equal(len, 77);
    assert_int_equal(f->vq.num_free, QSIZE);
    assert_int_equal(virtq_pop(&f->vq, &cookie, &len), 0);
    fx_free(f);
}

/* Bad chains are refused before anything changes; a full table says ERR_NO_RESOURCES. */
static void test_add_errors(void **state)
{
    (void)state;
    struct fixture *f = fx_new(QSIZE);
    int token;
    struct virtq_buf ok = {0x1000, 64, false}, empty = {0x1000, 0, false};
    struct virtq_buf backwards[2] = {{0x1000, 8, true}, {0x2000, 8, false}};
    assert_int_equal(virtq_add(&f->vq, &ok, 0, &token), ERR_INVALID_ARG);
    assert_int_equal(virtq_add(&f->vq, &ok, 1, NULL), ERR_INVALID_ARG);
    assert_int_equal(virtq_add(&f->vq, &empty, 1, &token), ERR_INVALID_ARG);
    assert_int_equal(virtq_add(&f->vq, backwards, 2, &token), ERR_INVALID_ARG);
    assert_int_equal(f->vq.num_free, QSIZE);
    struct virtq_buf many[QSIZE + 1];
    for (unsigned i = 0; i <= QSIZE; i++)
        many[i] = ok;
    assert_int_equal(virtq_add(&f->vq, many, QSIZE + 1, &token), ERR_NO_RESOURCES);
    assert_true(virtq_add(&f->vq, many, QSIZE, &token) >= 0);
    assert_int_equal(virtq_add(&f->vq, &ok, 1, &token), ERR_NO_RESOURCES);
    assert_int_equal(f->vq.num_free, 0);
    fx_free(f);
}

/* A device returning a head that is not out (never added, or twice) is caught and skipped. */
static void test_bad_device(void **state)
{
    (void)state;
    struct fixture *f = fx_new(QSIZE);
    int token;
    struct virtq_buf b = {0x1000, 64, true};
    long head = virtq_add(&f->vq, &b, 1, &token);
    virtq_publish(&f->vq);
    void *cookie;
    uint32_t len;
    f->vq.used->ring[0] = (struct virtq_used_elem){QSIZE + 3, 1};          /* out of range */
    f->vq.used->ring[1] = (struct virtq_used_elem){(uint32_t)head ^ 1, 1}; /* not out */
    f->vq.used->ring[2] = (struct virtq_used_elem){(uint32_t)head, 9};
    f->vq.used->ring[3] = (struct virtq_used_elem){(uint32_t)head, 9}; /* twice */
    f->vq.used->idx = 4;
    assert_int_equal(virtq_pop(&f->vq, &cookie, &len), ERR_BAD_FORMAT);
    assert_int_equal(virtq_pop(&f->vq, &cookie, &len), ERR_BAD_FORMAT);
    assert_int_equal(virtq_pop(&f->vq, &cookie, &len), 1);
    assert_ptr_equal(cookie, &token);
    assert_int_equal(virtq_pop(&f->vq, &cookie, &len), ERR_BAD_FORMAT);
    assert_int_equal(virtq_pop(&f->vq, &cookie, &len), 0);
    assert_int_equal(f->vq.num_free, QSIZE);
    fx_free(f);
}

/* NO_NOTIFY from the device suppresses kicks; set_interrupts toggles NO_INTERRUPT. */
static void test_notify_flags(void **state)
{
    (void)state;
    struct fixture *f = fx_new(QSIZE);
    int token;
    struct virtq_buf b = {0x1000, 64, false};
    f->vq.used->flags = VIRTQ_USED_F_NO_NOTIFY;
    virtq_add(&f->vq, &b, 1, &token);
    assert_false(virtq_publish(&f->vq));
    assert_int_equal(f->vq.avail->idx, 1); /* published all the same */
    f->vq.used->flags = 0;
    virtq_add(&f->vq, &b, 1, &token);
    assert_true(virtq_publish(&f->vq));
    virtq_set_interrupts(&f->vq, false);
    assert_int_equal(f->vq.avail->flags, VIRTQ_AVAIL_F_NO_INTERRUPT);
    virtq_set_interrupts(&f->vq, true);
    assert_int_equal(f->vq.avail->flags, 0);
    fx_free(f);
}

/*
 * 200,000 chains of 1-3 descriptors through a queue of 16, the device returning them in a shuffled
 * order: both free-running indexes wrap at 65536 three times; every cookie comes back exactly once
 * with its length, and the free list never loses or duplicates a descriptor.
 */
static void test_wrap_stress(void **state)
{
    (void)state;
    struct fixture *f = fx_new(QSIZE);
    static uint32_t tokens[QSIZE];
    static unsigned chain_len[QSIZE];
    static bool out[QSIZE];
    unsigned next_token = 0, added = 0, returned = 0, wraps = 0, desc_out = 0;
    uint16_t last_idx = 0;
    srand(12345);
    while (returned < 200000) {
        /* Add while there is room for a chain and a token slot is free. */
        for (;;) {
            unsigned n = 1 + (unsigned)rand() % 3, t = next_token % QSIZE;
            if (out[t] || n > f->vq.num_free)
                break;
            struct virtq_buf bufs[3];
            for (unsigned i = 0; i < n; i++)
                bufs[i] = (struct virtq_buf){0x1000 * (t + 1) + i, 100 + i, i == n - 1};
            tokens[t] = next_token;
            chain_len[t] = n;
            desc_out += n;
            out[t] = true;
            assert_true(virtq_add(&f->vq, bufs, n, &tokens[t]) >= 0);
            next_token++;
            added++;
        }
        virtq_publish(&f->vq);
        dev_take(f);
        /* The device returns a random subset in a random order. */
        unsigned k = 1 + (unsigned)rand() % f->nheld;
        for (unsigned i = 0; i < k; i++)
            dev_return(f, (unsigned)rand() % f->nheld, 1000 + i);
        void *cookie;
        uint32_t len;
        long r;
        while ((r = virtq_pop(&f->vq, &cookie, &len)) == 1) {
            uint32_t *tok = cookie;
            unsigned t = (unsigned)(tok - tokens);
            assert_true(t < QSIZE && out[t]);
            assert_true(len >= 1000);
            out[t] = false;
            desc_out -= chain_len[t];
            returned++;
        }
        assert_int_equal(r, 0);
        if (f->vq.avail->idx < last_idx)
            wraps++;
        last_idx = f->vq.avail->idx;
        assert_int_equal(f->vq.num_free, QSIZE - desc_out);
        check_free_list(&f->vq);
    }
    assert_true(wraps >= 2);
    /* Drain: everything comes back and the whole table is free again. */
    dev_take(f);
    while (f->nheld)
        dev_return(f, 0, 1000);
    void *cookie;
    uint32_t len;
    while (virtq_pop(&f->vq, &cookie, &len) == 1)
        returned++;
    assert_int_equal(returned, added);
    assert_int_equal(f->vq.num_free, QSIZE);
    check_free_list(&f->vq);
    fx_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout),      cmocka_unit_test(test_init_errors),
        cmocka_unit_test(test_round_trip),  cmocka_unit_test(test_add_errors),
        cmocka_unit_test(test_bad_device),  cmocka_unit_test(test_notify_flags),
        cmocka_unit_test(test_wrap_stress),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
