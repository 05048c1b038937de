/* ipc.h: handles, channel messages, calls and events: the IPC half of the kernel ABI (docs/ipc.md). */
#pragma once

#include <warp/abi.h>

/* --- handles --- */
#define HANDLES_MAX 4095 /* per process: slot numbers fit in 12 bits */

#define RIGHT_READ 1u     /* receive, copy from/to a call's buffers, wait on an event queue or process */
#define RIGHT_WRITE 2u    /* send and reply, add to an event queue, set a timer, kill a process */
#define RIGHT_TRANSFER 4u /* may be moved to another process (in a message or at spawn) */
#define RIGHTS_ALL (RIGHT_READ | RIGHT_WRITE | RIGHT_TRANSFER)
/* Of a supervised process only: its memory and registers, and starting it (docs/linux-compat.md). */
#define RIGHT_MANAGE 8u
#define RIGHTS_KNOWN (RIGHTS_ALL | RIGHT_MANAGE)

enum obj_type {
    OBJ_CHANNEL = 1, /* one end of a connected pair */
    OBJ_EVENTQ = 2,  /* collects events from channels, timers and processes */
    OBJ_TIMER = 3,   /* fires once at an absolute deadline */
    OBJ_PROCESS = 4, /* a process started with SYS_SPAWN */
    OBJ_DEVICE = 5,  /* one PCI function granted to a driver (warp/device.h) */
    OBJ_IRQ = 6,     /* a device interrupt delivered as events */
    OBJ_TYPE_COUNT   /* one more than the last type */
};

struct handle_info {
    uint32_t type;   /* enum obj_type */
    uint32_t rights; /* RIGHT_* */
};

/* --- messages --- */
#define MSG_DATA_MAX 128  /* inline bytes */
#define MSG_HANDLES_MAX 4 /* handles moved with one message */
#define MSG_BUFS_MAX 4    /* out-of-line buffers granted to the receiver of a call */
#define MSG_QUEUE_MAX 64  /* messages waiting at one channel end; one more is ERR_QUEUE_FULL */
#define CALLS_MAX 64      /* unanswered calls one channel end may have outstanding */

/* The few predefined message types; no IDL. Servers are explicit state machines over these. */
enum msg_type {
    MSG_OPEN = 1,     /* data: a URI ("service/ethernet", "tcp-listen:0.0.0.0:80"); reply: a handle */
    MSG_READ = 2,     /* bufs[0] BUF_WRITE: fill it; reply status: bytes read */
    MSG_WRITE = 3,    /* bufs[0] BUF_READ: consume it; reply status: bytes written */
    MSG_GETATTR = 4,  /* data: attribute name; reply data: its value */
    MSG_SETATTR = 5,  /* data: "name=value"; reply status: 0 or ERR_* */
    MSG_CLOSE = 6,    /* ends a session or a stream */
    MSG_ERROR = 7,    /* a reply only: status holds the ERR_* */
    MSG_TRAP = 8,     /* from the kernel: data is a struct trap_info; reply status: the result */
    MSG_USER = 0x100, /* first type free for program-specific messages (tests, demos) */
};

#define MSG_CALL 1u  /* expects a reply; call_id is the caller's, unique among its unanswered calls here */
#define MSG_REPLY 2u /* answers call_id, received on this same channel; no bufs */

#define BUF_READ 1u  /* the receiver may copy from the buffer (SYS_CALL_READ) */
#define BUF_WRITE 2u /* the receiver may copy into the buffer (SYS_CALL_WRITE) */

struct msg_buf {
    uaddr_t addr; /* in the caller's memory; the receiver sees 0 */
    uint64_t len;
    uint32_t access; /* BUF_READ and/or BUF_WRITE */
    uint32_t pad;
};

struct warp_msg {
    uint32_t type;  /* enum msg_type */
    uint32_t flags; /* MSG_CALL, MSG_REPLY or neither (one-way) */
    uint64_t call_id;
    int64_t status;                    /* replies: result >= 0 or ERR_*; otherwise free for the sender */
    uint32_t data_len;                 /* <= MSG_DATA_MAX */
    uint16_t nhandles;                 /* <= MSG_HANDLES_MAX */
    uint16_t nbufs;                    /* <= MSG_BUFS_MAX, calls only */
    handle_t handles[MSG_HANDLES_MAX]; /* sender: handles to move; receiver: its new handles */
    uint8_t data[MSG_DATA_MAX];
    struct msg_buf bufs[MSG_BUFS_MAX];
    /* The kernel copies only the header, data[0..data_len) and bufs[0..nbufs): fields beyond the
     * counts are left as they were in the receiver's buffer. */
};

/* --- events --- */
enum ev_type {
    EV_MESSAGE = 1,     /* u.msg: a message or call arrived on `handle` */
    EV_REPLY = 2,       /* u.msg: the reply to call u.msg.call_id made on `handle` */
    EV_PEER_CLOSED = 3, /* the other end of channel `handle` is gone (after its last message) */
    EV_TIMER = 4,       /* timer `handle` fired; u.deadline is when it was due */
    EV_PROC_EXIT = 5,   /* process `handle` ended; u.exit says how */
    EV_IRQ = 6,         /* IRQ `handle` fired; it stays masked until SYS_IRQ_ACK; u.deadline: when */
};

struct warp_event {
    uint32_t type;     /* enum ev_type */
    uint32_t reserved; /* 0: named so that the kernel writes it (it was padding copied out unset) */
    handle_t handle;   /* the source, as added to the event queue */
    uint64_t cookie;   /* given to SYS_EVENTQ_ADD */
    union {
        struct warp_msg msg;
        struct exit_info exit;
        uint64_t deadline;
    } u;
};

#define DEADLINE_NONE 0             /* SYS_EVENTQ_WAIT: return at once if nothing is ready */
#define DEADLINE_FOREVER UINT64_MAX /* SYS_EVENTQ_WAIT: wait as long as it takes */
