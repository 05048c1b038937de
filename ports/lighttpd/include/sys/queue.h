/* ports/lighttpd/include/sys/queue.h: the singly linked tail queues lighttpd's ls-hpack uses.
 *
 * glibc and the BSDs ship <sys/queue.h>; musl does not. This is our own minimal version with the
 * BSD names and meaning, for exactly the macros lighttpd 1.4.69 uses (STAILQ_*). A head holds the
 * first element and the address of the last element's next pointer, so appending is O(1). */
#ifndef WARP_PORT_SYS_QUEUE_H
#define WARP_PORT_SYS_QUEUE_H

#define STAILQ_HEAD(name, type)  \
    struct name {                \
        struct type *stqh_first; \
        struct type **stqh_last; \
    }

#define STAILQ_ENTRY(type)      \
    struct {                    \
        struct type *stqe_next; \
    }

#define STAILQ_FIRST(head) ((head)->stqh_first)
#define STAILQ_EMPTY(head) ((head)->stqh_first == NULL)
#define STAILQ_NEXT(elm, field) ((elm)->field.stqe_next)

#define STAILQ_INIT(head)                        \
    do {                                         \
        (head)->stqh_first = NULL;               \
        (head)->stqh_last = &(head)->stqh_first; \
    } while (0)

#define STAILQ_INSERT_TAIL(head, elm, field)         \
    do {                                             \
        (elm)->field.stqe_next = NULL;               \
        *(head)->stqh_last = (elm);                  \
        (head)->stqh_last = &(elm)->field.stqe_next; \
    } while (0)

/* Precondition: the queue is not empty. */
#define STAILQ_REMOVE_HEAD(head, field)                           \
    do {                                                          \
        (head)->stqh_first = (head)->stqh_first->field.stqe_next; \
        if ((head)->stqh_first == NULL)                           \
            (head)->stqh_last = &(head)->stqh_first;              \
    } while (0)

#define STAILQ_FOREACH(var, head, field) \
    for ((var) = STAILQ_FIRST(head); (var) != NULL; (var) = STAILQ_NEXT(var, field))

#endif
