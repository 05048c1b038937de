/* msg.c: builders and parsers of the predefined messages; pure, so host unit tests link it as is. */
#include <warp/msg.h>
#include <warp/string.h>

/* What a text payload may hold. */
enum msg_text_rule {
    MSG_TEXT_ANY = 1, /* printable, blanks allowed, may be empty: values */
    MSG_TEXT_WORD,    /* printable, no blank, non-empty: URIs */
    MSG_TEXT_NAME,    /* a word without '=': attribute names */
};

/* True if the n bytes at s obey rule. */
static bool msg_text_ok(const uint8_t *s, size_t n, enum msg_text_rule rule)
{
    if (n == 0 && rule != MSG_TEXT_ANY)
        return false;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = s[i];
        if (c < 0x20 || c > 0x7e)
            return false;
        if (rule != MSG_TEXT_ANY && c == ' ')
            return false;
        if (rule == MSG_TEXT_NAME && c == '=')
            return false;
    }
    return true;
}

/* Copies the n bytes at s into out as a C string; ERR_TOO_LARGE if out cannot hold them. */
static int msg_copy_text(const uint8_t *s, size_t n, char *out, size_t size)
{
    if (n >= size)
        return ERR_TOO_LARGE;
    memcpy(out, s, n);
    out[n] = '\0';
    return (int)n;
}

/* Checks m's data against rule and copies it into out; returns its length. */
static int msg_get(const struct warp_msg *m, enum msg_text_rule rule, char *out, size_t size)
{
    if (m->data_len > MSG_DATA_MAX || !msg_text_ok(m->data, m->data_len, rule))
        return ERR_BAD_FORMAT;
    return msg_copy_text(m->data, m->data_len, out, size);
}

/* Starts a message with one text payload that must obey rule. */
static int msg_text_call(struct warp_msg *m, uint32_t type, const char *s, enum msg_text_rule rule)
{
    size_t n = strnlen(s, MSG_DATA_MAX + 1);
    if (n > MSG_DATA_MAX)
        return ERR_TOO_LARGE;
    if (!msg_text_ok((const uint8_t *)s, n, rule))
        return ERR_BAD_FORMAT;
    msg_init(m, type, MSG_CALL);
    memcpy(m->data, s, n);
    m->data_len = (uint32_t)n;
    return 0;
}

/* Starts an empty message. */
void msg_init(struct warp_msg *m, uint32_t type, uint32_t flags)
{
    memset(m, 0, sizeof(*m));
    m->type = type;
    m->flags = flags;
}

/* Sets the inline data. */
int msg_set_data(struct warp_msg *m, const void *data, size_t len)
{
    if (len > MSG_DATA_MAX)
        return ERR_TOO_LARGE;
    if (len > 0)
        memcpy(m->data, data, len);
    m->data_len = (uint32_t)len;
    return 0;
}

/* Appends a handle to move. */
int msg_add_handle(struct warp_msg *m, handle_t h)
{
    if (m->nhandles >= MSG_HANDLES_MAX)
        return ERR_TOO_LARGE;
    m->handles[m->nhandles++] = h;
    return 0;
}

/* Appends an out-of-line buffer descriptor. */
int msg_add_buf(struct warp_msg *m, const void *addr, size_t len, uint32_t access)
{
    if (access == 0 || (access & ~(BUF_READ | BUF_WRITE)))
        return ERR_INVALID_ARG;
    if (m->nbufs >= MSG_BUFS_MAX)
        return ERR_TOO_LARGE;
    struct msg_buf *b = &m->bufs[m->nbufs++];
    b->addr = (uaddr_t)(uintptr_t)addr;
    b->len = len;
    b->access = access;
    b->pad = 0;
    return 0;
}

/* OPEN call. */
int msg_open(struct warp_msg *m, const char *uri)
{
    return msg_text_call(m, MSG_OPEN, uri, MSG_TEXT_WORD);
}

/* READ call with one writable buffer. */
int msg_read(struct warp_msg *m, void *buf, size_t len)
{
    msg_init(m, MSG_READ, MSG_CALL);
    return msg_add_buf(m, buf, len, BUF_WRITE);
}

/* WRITE call with one readable buffer. */
int msg_write(struct warp_msg *m, const void *buf, size_t len)
{
    msg_init(m, MSG_WRITE, MSG_CALL);
    return msg_add_buf(m, buf, len, BUF_READ);
}

/* GETATTR call. */
int msg_getattr(struct warp_msg *m, const char *name)
{
    return msg_text_call(m, MSG_GETATTR, name, MSG_TEXT_NAME);
}

/* SETATTR call: "name=value". */
int msg_setattr(struct warp_msg *m, const char *name, const char *value)
{
    size_t n = strnlen(name, MSG_DATA_MAX + 1), v = strnlen(value, MSG_DATA_MAX + 1);
    if (n + 1 + v > MSG_DATA_MAX)
        return ERR_TOO_LARGE;
    if (!msg_text_ok((const uint8_t *)name, n, MSG_TEXT_NAME) ||
        !msg_text_ok((const uint8_t *)value, v, MSG_TEXT_ANY))
        return ERR_BAD_FORMAT;
    msg_init(m, MSG_SETATTR, MSG_CALL);
    memcpy(m->data, name, n);
    m->data[n] = '=';
    memcpy(m->data + n + 1, value, v);
    m->data_len = (uint32_t)(n + 1 + v);
    return 0;
}

/* CLOSE call. */
void msg_close(struct warp_msg *m)
{
    msg_init(m, MSG_CLOSE, MSG_CALL);
}

/* A reply without payload. */
void msg_reply(struct warp_msg *m, uint32_t type, uint64_t call_id, int64_t status)
{
    msg_init(m, type, MSG_REPLY);
    m->call_id = call_id;
    m->status = status;
}

/* An ERROR reply. */
void msg_reply_error(struct warp_msg *m, uint64_t call_id, long err)
{
    msg_reply(m, MSG_ERROR, call_id, err < 0 ? err : ERR_INVALID_ARG);
}

/* OPEN's reply with the new handle. */
void msg_reply_open(struct warp_msg *m, uint64_t call_id, handle_t h)
{
    msg_reply(m, MSG_OPEN, call_id, 0);
    m->handles[0] = h;
    m->nhandles = 1;
}

/* A reply with inline data. */
int msg_reply_data(struct warp_msg *m, uint32_t type, uint64_t call_id, const void *data, size_t len)
{
    if (len > MSG_DATA_MAX)
        return ERR_TOO_LARGE;
    msg_reply(m, type, call_id, (int64_t)len);
    return msg_set_data(m, data, len);
}

/* A reply with a text value. */
int msg_reply_text(struct warp_msg *m, uint32_t type, uint64_t call_id, const char *text)
{
    size_t n = strnlen(text, MSG_DATA_MAX + 1);
    if (n > MSG_DATA_MAX)
        return ERR_TOO_LARGE;
    if (!msg_text_ok((const uint8_t *)text, n, MSG_TEXT_ANY))
        return ERR_BAD_FORMAT;
    return msg_reply_data(m, type, call_id, text, n);
}

/* The outcome of a reply. */
long msg_result(const struct warp_msg *reply, uint32_t want)
{
    if (reply->type == MSG_ERROR)
        return reply->status < 0 ? (long)reply->status : ERR_BAD_FORMAT;
    if (reply->type != want || reply->status < 0)
        return ERR_BAD_FORMAT;
    return (long)reply->status;
}

/* OPEN's URI. */
int msg_get_uri(const struct warp_msg *m, char *out, size_t size)
{
    return msg_get(m, MSG_TEXT_WORD, out, size);
}

/* GETATTR's name. */
int msg_get_attr_name(const struct warp_msg *m, char *out, size_t size)
{
    return msg_get(m, MSG_TEXT_NAME, out, size);
}

/* SETATTR's name and value. */
int msg_get_setattr(const struct warp_msg *m, char *name, size_t name_size, char *value, size_t value_size)
{
    if (m->data_len > MSG_DATA_MAX)
        return ERR_BAD_FORMAT;
    size_t n = 0;
    while (n < m->data_len && m->data[n] != '=')
        n++;
    if (n == m->data_len)
        return ERR_BAD_FORMAT;
    const uint8_t *v = m->data + n + 1;
    size_t vlen = m->data_len - n - 1;
    if (!msg_text_ok(m->data, n, MSG_TEXT_NAME) || !msg_text_ok(v, vlen, MSG_TEXT_ANY))
        return ERR_BAD_FORMAT;
    int r = msg_copy_text(m->data, n, name, name_size);
    if (r < 0)
        return r;
    return msg_copy_text(v, vlen, value, value_size);
}

/* Printable text of any kind. */
int msg_get_text(const struct warp_msg *m, char *out, size_t size)
{
    return msg_get(m, MSG_TEXT_ANY, out, size);
}

/* A received call's buffer i, checked for access. */
long msg_get_buf(const struct warp_msg *m, unsigned i, uint32_t access)
{
    if (i >= m->nbufs || i >= MSG_BUFS_MAX)
        return ERR_INVALID_ARG;
    if ((m->bufs[i].access & access) != access)
        return ERR_PERMISSION;
    return (long)m->bufs[i].len;
}
