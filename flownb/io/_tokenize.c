/*
 * flownb.io._tokenize: a strict tokenizer for clean flow log text.
 *
 * One job: turn a block of space-separated flow log records, every line a
 * clean record of one known format, into typed column buffers, without the
 * GIL. It accepts a strict subset of what the Arrow CSV fast path accepts
 * (printable ASCII fields separated by single spaces, lines ended by '\n',
 * '-' for a missing value, unsigned decimal numbers that fit their column)
 * and gives up (returns None) on anything else, so the Python reader falls
 * back to the general paths, which report every bad line. It never decides
 * what a bad line is.
 *
 * parse_block(buf, kinds, max_epoch) -> None | (rows, columns)
 *   buf       a bytes-like object holding whole lines (no header line)
 *   kinds     one character per column: 'B' uint8, 'H' uint16, 'I' uint32,
 *             'Q' uint64, 't' Unix seconds in [0, max_epoch) as int64,
 *             's' a string, dictionary-encoded in order of first appearance
 *   columns   per column a tuple (values, mask, uniques): values a bytearray
 *             of native-endian fixed-width values (int32 codes for 's'),
 *             mask a bytearray with 1 for a missing value or None when no
 *             value is missing, uniques for 's' the distinct values in code
 *             order as Arrow string buffers (int32 offsets, data), else None.
 *
 * conversation_codes(src, sport, dst, dport, proto, conv, fwd, lo_addr, lo_port, hi_addr, hi_port,
 *                    conv_proto) -> m | -1
 *   The analysis layer's one pass over the records' conversation keys (see
 *   flownb.analysis._conversations, which has the same thing in numpy for builds
 *   without this extension). Inputs are int64 buffers of n records: address codes
 *   (>= 0, < 2**31), ports (-1 missing, <= 65535) and protocols (-1 missing,
 *   <= 255). An endpoint is address * 65537 + port + 1; a conversation is the
 *   unordered pair of endpoints and the protocol. It writes each record's
 *   conversation code (int64, in order of first appearance) into conv and whether
 *   it flows from the lower endpoint into fwd (bool), the m conversations' lower
 *   and higher endpoints' addresses and ports and protocol into the other (int32)
 *   buffers (room for n each), and returns m; -1 (nothing promised written) when
 *   a value is out of range, for the numpy path to take over.
 *
 * tally_directions(...): the per conversation-direction counts of conversations(), in one pass
 *   over the records (the arguments are described at the function).
 *
 * code_sums(...): rows and summed values per group code (top()'s totals), in one pass.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define KEY_WORDS 3 /* bytes of a value kept in its slot: 24 hold an address or a resource ID */

typedef struct {
    uint64_t key[KEY_WORDS]; /* the first bytes of the value, zero-padded */
    uint64_t hash;
    const char *ptr; /* the value in the input block (read only past the first 24 bytes) */
    uint32_t len;
    int32_t code; /* -1: empty slot */
} Slot;

typedef struct {
    Slot *slots;
    size_t cap; /* a power of two */
    size_t count;
    uint64_t last_key[KEY_WORDS]; /* the previous value: consecutive records often repeat it */
    const char *last_ptr;
    uint32_t last_len;
    int32_t last_code;
} Dict;

typedef struct {
    int ncols;
    const char *kinds;
    char **values;
    char **mask;
    Py_ssize_t *nulls;
    Dict *dicts;
    uint64_t max_epoch;
} Job;

enum { OK = 0, GIVE_UP = 1, NO_MEMORY = 2 };

static inline uint64_t load8(const char *p);

/* The first n (1 to 7) bytes at p as a number; reads 8 bytes when the buffer allows. */
static inline uint64_t load_tail(const char *p, uint32_t n, const char *end)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (end - p >= 8)
        return n >= 8 ? load8(p) : load8(p) & (~0ULL >> (64 - 8 * n));
#endif
    uint64_t w = 0;
    for (uint32_t i = 0; i < n; i++)
        w |= (uint64_t)(unsigned char)p[i] << (8 * i);
    return w;
}

static inline uint64_t load8(const char *p)
{
    uint64_t w;
    memcpy(&w, p, 8);
    return w;
}

/* The first KEY_WORDS * 8 bytes of a value of n bytes, zero-padded. */
static inline void key_of(const char *p, uint32_t n, const char *end, uint64_t key[KEY_WORDS])
{
    for (int i = 0; i < KEY_WORDS; i++) {
        const uint32_t at = 8 * (uint32_t)i;
        key[i] = n <= at ? 0 : n - at >= 8 ? load8(p + at) : load_tail(p + at, n - at, end);
    }
}

static inline uint64_t mix(uint64_t h, uint64_t w)
{
    h = (h ^ w) * 0xff51afd7ed558ccdULL;
    return h ^ (h >> 32);
}

static inline uint64_t hash_of(const uint64_t key[KEY_WORDS], const char *p, uint32_t n, const char *end)
{
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ n;
    for (int i = 0; i < KEY_WORDS; i++)
        h = mix(h, key[i]);
    for (uint32_t at = 8 * KEY_WORDS; at < n; at += 8)
        h = mix(h, n - at >= 8 ? load8(p + at) : load_tail(p + at, n - at, end));
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ULL;
    return h ^ (h >> 32);
}

/* Equality of the bytes of two values past their keys, without a call into libc. */
static inline int same_rest(const char *a, const char *b, uint32_t n, const char *end)
{
    for (uint32_t at = 8 * KEY_WORDS; at < n; at += 8) {
        const uint32_t k = n - at >= 8 ? 8 : n - at;
        if (load_tail(a + at, k, end) != load_tail(b + at, k, end))
            return 0;
    }
    return 1;
}

static inline int same_key(const uint64_t a[KEY_WORDS], const uint64_t b[KEY_WORDS])
{
    int eq = 1;
    for (int i = 0; i < KEY_WORDS; i++)
        eq &= a[i] == b[i];
    return eq;
}

static int dict_init(Dict *d)
{
    d->cap = 64;
    d->count = 0;
    d->last_len = 0;
    d->last_code = -1;
    d->slots = (Slot *)PyMem_RawMalloc(d->cap * sizeof(Slot));
    if (d->slots == NULL)
        return NO_MEMORY;
    for (size_t i = 0; i < d->cap; i++)
        d->slots[i].code = -1;
    return OK;
}

static int dict_grow(Dict *d)
{
    size_t cap = d->cap * 2;
    Slot *slots = (Slot *)PyMem_RawMalloc(cap * sizeof(Slot));
    if (slots == NULL)
        return NO_MEMORY;
    for (size_t i = 0; i < cap; i++)
        slots[i].code = -1;
    for (size_t i = 0; i < d->cap; i++) {
        Slot *s = &d->slots[i];
        if (s->code < 0)
            continue;
        size_t j = s->hash & (cap - 1);
        while (slots[j].code >= 0)
            j = (j + 1) & (cap - 1);
        slots[j] = *s;
    }
    PyMem_RawFree(d->slots);
    d->slots = slots;
    d->cap = cap;
    return OK;
}

static inline int dict_code(Dict *d, const char *p, uint32_t n, const char *end, int32_t *code)
{
    uint64_t key[KEY_WORDS];
    key_of(p, n, end, key);
    if (d->last_code >= 0 && n == d->last_len && same_key(key, d->last_key) &&
        same_rest(p, d->last_ptr, n, end)) {
        *code = d->last_code;
        return OK;
    }
    if ((d->count + 1) * 2 > d->cap) {
        if (d->count >= INT32_MAX / 2 || dict_grow(d) != OK)
            return NO_MEMORY;
    }
    const uint64_t h = hash_of(key, p, n, end);
    const size_t mask = d->cap - 1;
    size_t i = h & mask;
    for (;;) {
        Slot *s = &d->slots[i];
        if (s->code < 0) {
            memcpy(s->key, key, sizeof key);
            s->hash = h;
            s->ptr = p;
            s->len = n;
            s->code = (int32_t)d->count++;
            break;
        }
        if (s->hash == h && s->len == n && same_key(s->key, key) && same_rest(s->ptr, p, n, end))
            break;
        i = (i + 1) & mask;
    }
    memcpy(d->last_key, key, sizeof key);
    d->last_ptr = p;
    d->last_len = n;
    d->last_code = d->slots[i].code;
    *code = d->last_code;
    return OK;
}

/* Decimal digits at *p, one at a time, checking for overflow; advances *p past them. */
static inline int digits_slow(const char **pp, const char *end, uint64_t *out)
{
    const char *p = *pp;
    uint64_t v = 0;
    int digits = 0;
    while (p < end) {
        const unsigned d = (unsigned)(unsigned char)*p - '0';
        if (d > 9)
            break;
        if (++digits > 19 && (digits > 20 || v > (UINT64_MAX - d) / 10))
            return GIVE_UP;
        v = v * 10 + d;
        p++;
    }
    *pp = p;
    *out = v;
    return OK;
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && defined(__GNUC__)
/* How many of the 8 bytes in w (first byte lowest) are decimal digits before the first other byte. */
static inline unsigned leading_digits(uint64_t w)
{
    /* a byte is flagged if it is below '0' (borrow) or above '9' (carry into the high bit); bytes
       after the first flagged one may be flagged wrongly, which does not matter */
    const uint64_t flags = ((w - 0x3030303030303030ULL) | (w + 0x4646464646464646ULL)) & 0x8080808080808080ULL;
    return flags ? (unsigned)__builtin_ctzll(flags) / 8 : 8;
}

/* The value of the first n (1 to 8) ASCII digits in w: the digits are moved to the top bytes, the
   bytes below become zeros (read as leading '0's), then pairs, quads and octets are combined. */
static inline uint64_t digits_value(uint64_t w, unsigned n)
{
    w = (w << (8 * (8 - n))) & 0x0F0F0F0F0F0F0F0FULL;
    w = (w * 10 + (w >> 8)) & 0x00FF00FF00FF00FFULL;
    w = (w * 100 + (w >> 16)) & 0x0000FFFF0000FFFFULL;
    return (w * 10000 + (w >> 32)) & 0xFFFFFFFFULL;
}

/* Up to 16 digits, 8 bytes at a time; returns 0 (nothing consumed) to leave the rest to digits_slow. */
static inline int digits_fast(const char **pp, const char *end, uint64_t *out)
{
    const char *p = *pp;
    if (end - p < 16)
        return 0;
    const uint64_t w = load8(p);
    const unsigned n = leading_digits(w);
    if (n == 0) {
        *out = 0;
        return 1; /* no digit: the caller sees an empty field */
    }
    if (n < 8) {
        *out = digits_value(w, n);
        *pp = p + n;
        return 1;
    }
    const uint64_t w2 = load8(p + 8);
    const unsigned n2 = leading_digits(w2);
    if (n2 == 8)
        return 0; /* 16 digits or more: count them one by one, with the overflow check */
    static const uint64_t pow10[8] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000};
    const uint64_t high = digits_value(w, 8);
    *out = n2 ? high * pow10[n2] + digits_value(w2, n2) : high;
    *pp = p + 8 + n2;
    return 1;
}
#else
static inline int digits_fast(const char **pp, const char *end, uint64_t *out)
{
    (void)pp, (void)end, (void)out;
    return 0;
}
#endif

/* Parse every line of [p, end); rows must be the exact number of lines. */
static int run(Job *job, const char *p, const char *end, Py_ssize_t rows)
{
    const int ncols = job->ncols;
    for (Py_ssize_t row = 0; row < rows; row++) {
        for (int c = 0; c < ncols; c++) {
            const char kind = job->kinds[c];
            const char *f = p;
            int missing = 0;
            uint64_t v = 0;
            if (p < end && *p == '-' && (p + 1 == end || p[1] == ' ' || p[1] == '\n')) {
                missing = 1;
                p++;
            } else if (kind == 's') {
                /* 8 bytes at a time while none is a space, control byte or non-ASCII */
                while (end - p >= 8) {
                    const uint64_t w = load8(p), ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
                    if (((w - ones * 0x21) | (w + ones * 0x01)) & high)
                        break;
                    p += 8;
                }
                while (p < end && (unsigned char)*p > ' ' && (unsigned char)*p < 0x7f)
                    p++;
            } else {
                if (!digits_fast(&p, end, &v) && digits_slow(&p, end, &v) != OK)
                    return GIVE_UP;
            }
            const size_t n = (size_t)(p - f);
            if (n == 0 || n > 0xFFFFFF)
                return GIVE_UP;
            /* the field must end at its separator: one space, or the end of the line */
            if (c < ncols - 1) {
                if (p >= end || *p != ' ')
                    return GIVE_UP;
                p++;
            } else if (p < end) {
                if (*p != '\n')
                    return GIVE_UP;
                p++;
            }
            if (missing) {
                job->mask[c][row] = 1;
                job->nulls[c]++;
                if (kind == 's') {
                    ((int32_t *)job->values[c])[row] = 0;
                    continue;
                }
                /* v is 0, which fits every number column: stored below */
            }
            switch (kind) {
            case 'B':
                if (v > UINT8_MAX)
                    return GIVE_UP;
                ((uint8_t *)job->values[c])[row] = (uint8_t)v;
                break;
            case 'H':
                if (v > UINT16_MAX)
                    return GIVE_UP;
                ((uint16_t *)job->values[c])[row] = (uint16_t)v;
                break;
            case 'I':
                if (v > UINT32_MAX)
                    return GIVE_UP;
                ((uint32_t *)job->values[c])[row] = (uint32_t)v;
                break;
            case 'Q':
                ((uint64_t *)job->values[c])[row] = v;
                break;
            case 't':
                if (v >= job->max_epoch)
                    return GIVE_UP;
                ((int64_t *)job->values[c])[row] = (int64_t)v;
                break;
            default: {
                int32_t code;
                if (dict_code(&job->dicts[c], f, (uint32_t)n, end, &code) != OK)
                    return NO_MEMORY;
                ((int32_t *)job->values[c])[row] = code;
            }
            }
        }
    }
    return p == end ? OK : GIVE_UP;
}

static Py_ssize_t count_lines(const char *p, const char *end)
{
    Py_ssize_t rows = 0;
    const char *q = p;
    while (q < end) {
        const char *nl = (const char *)memchr(q, '\n', (size_t)(end - q));
        if (nl == NULL) {
            rows++; /* a last line without its newline */
            break;
        }
        rows++;
        q = nl + 1;
    }
    return rows;
}

static int width_of(char kind)
{
    switch (kind) {
    case 'B': return 1;
    case 'H': return 2;
    case 'I': case 's': return 4;
    case 'Q': case 't': return 8;
    default: return 0;
    }
}

/* The distinct values of a column in code order, as Arrow string buffers: (offsets, data). */
static PyObject *uniques_of(const Dict *d)
{
    const Slot **order = (const Slot **)PyMem_Malloc((d->count + 1) * sizeof(Slot *));
    if (order == NULL)
        return PyErr_NoMemory();
    size_t total = 0;
    for (size_t i = 0; i < d->cap; i++) {
        const Slot *s = &d->slots[i];
        if (s->code >= 0) {
            order[s->code] = s;
            total += s->len;
        }
    }
    PyObject *result = NULL;
    PyObject *offsets = PyByteArray_FromStringAndSize(NULL, (Py_ssize_t)((d->count + 1) * sizeof(int32_t)));
    PyObject *data = total <= INT32_MAX ? PyByteArray_FromStringAndSize(NULL, (Py_ssize_t)total) : NULL;
    if (offsets != NULL && data != NULL) {
        int32_t *off = (int32_t *)PyByteArray_AS_STRING(offsets);
        char *out = PyByteArray_AS_STRING(data);
        int32_t at = 0;
        for (size_t k = 0; k < d->count; k++) {
            off[k] = at;
            memcpy(out + at, order[k]->ptr, order[k]->len);
            at += (int32_t)order[k]->len;
        }
        off[d->count] = at;
        result = PyTuple_Pack(2, offsets, data);
    } else if (!PyErr_Occurred()) {
        PyErr_SetString(PyExc_OverflowError, "more than 2 GiB of distinct strings in one block");
    }
    Py_XDECREF(offsets);
    Py_XDECREF(data);
    PyMem_Free(order);
    return result;
}

static PyObject *parse_block(PyObject *self, PyObject *args)
{
    Py_buffer buf;
    const char *kinds;
    Py_ssize_t ncols;
    unsigned long long max_epoch;
    if (!PyArg_ParseTuple(args, "y*s#K", &buf, &kinds, &ncols, &max_epoch))
        return NULL;
    PyObject *result = NULL;
    PyObject **values = NULL, **mask = NULL;
    Job job = {0};
    int status = OK;
    Py_ssize_t c;
    const char *p = (const char *)buf.buf, *end = p + buf.len;

    if (ncols < 1 || ncols > 1024) {
        PyErr_SetString(PyExc_ValueError, "kinds must name 1 to 1024 columns");
        goto done;
    }
    for (c = 0; c < ncols; c++) {
        if (width_of(kinds[c]) == 0) {
            PyErr_Format(PyExc_ValueError, "unknown column kind %c", kinds[c]);
            goto done;
        }
    }
    Py_ssize_t rows;
    Py_BEGIN_ALLOW_THREADS
    rows = count_lines(p, end);
    Py_END_ALLOW_THREADS

    values = (PyObject **)PyMem_Calloc((size_t)ncols, sizeof(PyObject *));
    mask = (PyObject **)PyMem_Calloc((size_t)ncols, sizeof(PyObject *));
    job.values = (char **)PyMem_Calloc((size_t)ncols, sizeof(char *));
    job.mask = (char **)PyMem_Calloc((size_t)ncols, sizeof(char *));
    job.nulls = (Py_ssize_t *)PyMem_Calloc((size_t)ncols, sizeof(Py_ssize_t));
    job.dicts = (Dict *)PyMem_Calloc((size_t)ncols, sizeof(Dict));
    if (!values || !mask || !job.values || !job.mask || !job.nulls || !job.dicts) {
        PyErr_NoMemory();
        goto done;
    }
    job.ncols = (int)ncols;
    job.kinds = kinds;
    job.max_epoch = (uint64_t)max_epoch;
    for (c = 0; c < ncols; c++) {
        values[c] = PyByteArray_FromStringAndSize(NULL, rows * width_of(kinds[c]));
        mask[c] = PyByteArray_FromStringAndSize(NULL, rows);
        if (values[c] == NULL || mask[c] == NULL)
            goto done;
        job.values[c] = PyByteArray_AS_STRING(values[c]);
        job.mask[c] = PyByteArray_AS_STRING(mask[c]);
        memset(job.mask[c], 0, (size_t)rows);
        if (kinds[c] == 's' && dict_init(&job.dicts[c]) != OK) {
            PyErr_NoMemory();
            goto done;
        }
    }
    Py_BEGIN_ALLOW_THREADS
    status = run(&job, p, end, rows);
    Py_END_ALLOW_THREADS
    if (status == NO_MEMORY) {
        PyErr_NoMemory();
        goto done;
    }
    if (status == GIVE_UP) {
        result = Py_NewRef(Py_None);
        goto done;
    }
    PyObject *columns = PyList_New(ncols);
    if (columns == NULL)
        goto done;
    for (c = 0; c < ncols; c++) {
        PyObject *uniques = kinds[c] == 's' ? uniques_of(&job.dicts[c]) : Py_NewRef(Py_None);
        if (uniques == NULL) {
            Py_DECREF(columns);
            goto done;
        }
        PyObject *m = job.nulls[c] ? mask[c] : Py_None;
        PyObject *item = PyTuple_Pack(3, values[c], m, uniques);
        Py_DECREF(uniques);
        if (item == NULL) {
            Py_DECREF(columns);
            goto done;
        }
        PyList_SET_ITEM(columns, c, item);
    }
    result = Py_BuildValue("(nN)", rows, columns);

done:
    if (job.dicts) {
        for (c = 0; c < ncols; c++)
            PyMem_RawFree(job.dicts[c].slots);
    }
    if (values) {
        for (c = 0; c < ncols; c++)
            Py_XDECREF(values[c]);
    }
    if (mask) {
        for (c = 0; c < ncols; c++)
            Py_XDECREF(mask[c]);
    }
    PyMem_Free(values);
    PyMem_Free(mask);
    PyMem_Free(job.values);
    PyMem_Free(job.mask);
    PyMem_Free(job.nulls);
    PyMem_Free(job.dicts);
    PyBuffer_Release(&buf);
    return result;
}

/* ------------------------------------------------------------------ conversation codes */

static inline uint64_t pair_hash(int64_t lo, int64_t hi_proto)
{
    uint64_t h = (uint64_t)lo * 0x9E3779B97F4A7C15ULL;
    h ^= (uint64_t)hi_proto + 0x632BE59BD9B4E019ULL + (h << 6) + (h >> 2);
    h *= 0xD6E8FEB86659FD93ULL;
    return h ^ (h >> 29);
}

#define PAIR_AHEAD 16 /* records keyed ahead of the one looked up, their slots prefetched */
#if defined(__GNUC__) || defined(__clang__)
#define PREFETCH(p) __builtin_prefetch(p)
#else
#define PREFETCH(p) ((void)0)
#endif

/* The body of conversation_codes (without the GIL): m, -1 for a value out of range, -2 out of memory.
 * A slot of the table (at least twice as many as records: it never fills) holds a conversation's
 * code + 1 (0: empty) in its low 32 bits and its hash's high 32 bits, so that most probes compare
 * no key; a conversation's key is compared through its ends, written in code order. */
static int64_t pair_run(Py_ssize_t n, const int64_t *src, const int64_t *sport, const int64_t *dst,
                        const int64_t *dport, const int64_t *proto, int64_t *conv, uint8_t *fwd,
                        int32_t *lo_addr, int32_t *lo_port, int32_t *hi_addr, int32_t *hi_port,
                        int32_t *conv_proto)
{
    size_t cap = 1024;
    while (cap < (size_t)n * 2)
        cap *= 2;
    int64_t m = 0;
    uint64_t *slots = (uint64_t *)PyMem_RawCalloc(cap, sizeof(uint64_t));
    int32_t ring_a[PAIR_AHEAD], ring_pa[PAIR_AHEAD], ring_b[PAIR_AHEAD], ring_pb[PAIR_AHEAD], ring_p[PAIR_AHEAD];
    uint64_t ring_h[PAIR_AHEAD];
    uint8_t ring_f[PAIR_AHEAD];
    if (slots == NULL)
        return -2;
    for (Py_ssize_t i = 0; i < n + PAIR_AHEAD; i++) {
        Py_ssize_t r = i - PAIR_AHEAD; /* the record looked up now */
        if (r >= 0) { /* before record i takes its place in the ring */
            int k = (int)(r % PAIR_AHEAD);
            int32_t a = ring_a[k], pa = ring_pa[k], b = ring_b[k], pb = ring_pb[k], pr = ring_p[k];
            uint64_t tag = ring_h[k] & 0xFFFFFFFF00000000ULL;
            size_t j = (size_t)ring_h[k] & (cap - 1);
            int64_t c;
            for (;;) {
                uint64_t s = slots[j];
                if (s == 0) { /* a new conversation */
                    c = m++;
                    slots[j] = tag | (uint64_t)(c + 1);
                    lo_addr[c] = a;
                    lo_port[c] = pa;
                    hi_addr[c] = b;
                    hi_port[c] = pb;
                    conv_proto[c] = pr;
                    break;
                }
                if ((s & 0xFFFFFFFF00000000ULL) == tag) {
                    c = (int64_t)(s & 0xFFFFFFFFULL) - 1;
                    if (lo_addr[c] == a && lo_port[c] == pa && hi_addr[c] == b && hi_port[c] == pb &&
                        conv_proto[c] == pr)
                        break;
                }
                j = (j + 1) & (cap - 1);
            }
            conv[r] = c;
            fwd[r] = ring_f[k];
        }
        if (i < n) { /* the key of record i, its slot prefetched */
            int64_t a = src[i], b = dst[i], pa = sport[i], pb = dport[i], pr = proto[i];
            if (a < 0 || b < 0 || a >= ((int64_t)1 << 31) || b >= ((int64_t)1 << 31) || pa < -1 || pb < -1 ||
                pa > 65535 || pb > 65535 || pr < -1 || pr > 255) {
                PyMem_RawFree(slots);
                return -1;
            }
            int64_t ea = a * 65537 + pa + 1, eb = b * 65537 + pb + 1;
            int k = (int)(i % PAIR_AHEAD);
            uint8_t f = ea <= eb;
            ring_f[k] = f;
            ring_a[k] = (int32_t)(f ? a : b);
            ring_pa[k] = (int32_t)(f ? pa : pb);
            ring_b[k] = (int32_t)(f ? b : a);
            ring_pb[k] = (int32_t)(f ? pb : pa);
            ring_p[k] = (int32_t)pr;
            ring_h[k] = pair_hash(f ? ea : eb, (f ? eb : ea) * 512 + pr + 1);
            PREFETCH(&slots[(size_t)ring_h[k] & (cap - 1)]);
        }
    }
    PyMem_RawFree(slots);
    return m;
}

static PyObject *conversation_codes(PyObject *self, PyObject *args)
{
    enum { NIN = 5, NOUT = 7, NBUF = NIN + NOUT };
    Py_buffer b[NBUF];
    int got = 0;
    PyObject *result = NULL;
    memset(b, 0, sizeof(b));
    if (PyTuple_GET_SIZE(args) != NBUF) {
        PyErr_Format(PyExc_TypeError, "conversation_codes takes %d buffers", (int)NBUF);
        return NULL;
    }
    for (; got < NBUF; got++) {
        int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (got >= NIN ? PyBUF_WRITABLE : 0);
        if (PyObject_GetBuffer(PyTuple_GET_ITEM(args, got), &b[got], flags) < 0)
            goto done;
    }
    Py_ssize_t n = b[0].len / 8;
    for (int i = 0; i < NBUF; i++) {
        int is_fwd = i == NIN + 1, per_record = i < NIN + 2;
        Py_ssize_t width = is_fwd ? 1 : per_record ? 8 : 4;
        if (b[i].itemsize != width || (per_record ? b[i].len != n * width : b[i].len < n * width)) {
            PyErr_Format(PyExc_ValueError, "conversation_codes: buffer %d must hold %zd %s", i, n,
                         is_fwd ? "bools" : per_record ? "int64 values" : "int32 values");
            goto done;
        }
    }
    int64_t m;
    Py_BEGIN_ALLOW_THREADS
    m = pair_run(n, (const int64_t *)b[0].buf, (const int64_t *)b[1].buf, (const int64_t *)b[2].buf,
                 (const int64_t *)b[3].buf, (const int64_t *)b[4].buf, (int64_t *)b[5].buf, (uint8_t *)b[6].buf,
                 (int32_t *)b[7].buf, (int32_t *)b[8].buf, (int32_t *)b[9].buf, (int32_t *)b[10].buf,
                 (int32_t *)b[11].buf);
    Py_END_ALLOW_THREADS
    if (m == -2)
        PyErr_NoMemory();
    else
        result = PyLong_FromLongLong(m);
done:
    for (int i = 0; i < got; i++)
        PyBuffer_Release(&b[i]);
    return result;
}

/* ------------------------------------------------------------------ conversation tallies */

/* A categorical code of any width (1, 2, 4 or 8 bytes, signed) at position i. */
static inline int64_t code_at(const char *p, int width, Py_ssize_t i)
{
    switch (width) {
    case 1: return ((const int8_t *)p)[i];
    case 2: return ((const int16_t *)p)[i];
    case 4: return ((const int32_t *)p)[i];
    default: return ((const int64_t *)p)[i];
    }
}

/* A counter at position i as bincount weighs it: kind 0 absent (0), 1 uint64, 2 int64, 3 float64;
 * a masked (missing) value is 0. */
static inline double counter_at(const char *p, const char *mask, int kind, Py_ssize_t i)
{
    if (kind == 0 || (mask != NULL && mask[i]))
        return 0.0;
    switch (kind) {
    case 1: return (double)((const uint64_t *)p)[i];
    case 2: return (double)((const int64_t *)p)[i];
    default: return ((const double *)p)[i];
    }
}

/* tally_directions(idx, conv, to_server, packets, packets_mask, packets_kind, bytes, bytes_mask,
 *                  bytes_kind, action, action_width, action_table, eni, eni_width, eni_table, ne,
 *                  records, pk, by, actions, emin, emax) -> None
 * Per conversation c (records: int64, m of them) and per direction d = to_server * m + c (the other
 * outputs: 2 * m each) of the records at frame rows idx: records; summed packets and bytes, added as
 * doubles in record order (as numpy's bincount adds them) and stored as uint64 (as numpy casts);
 * actions (uint8): bit 1 where a record was accepted, bit 2 where one was rejected (action_table: the
 * kind of each action code, 1 ACCEPT, 2 REJECT, its last entry for a missing action; action of length
 * 0: no action column); and the smallest and largest ENI rank (int32; eni_table: each ENI code's rank,
 * -1 missing, its last entry for a missing code; a missing ENI counts as ne - 1). Counters are
 * packets_kind / bytes_kind 0 absent, 1 uint64, 2 int64, 3 float64, a masked value 0; an empty mask:
 * none missing. See flownb.analysis._traffic._tallies, which has the same in numpy. */
static PyObject *tally_directions(PyObject *self, PyObject *args)
{
    Py_buffer idx, conv, ts, pkv, pkm, byv, bym, act, act_t, eni, eni_t;
    Py_buffer out[6];
    int pk_kind, by_kind, act_w, eni_w;
    long long ne;
    if (!PyArg_ParseTuple(args, "y*y*y*y*y*iy*y*iy*iy*y*iy*Lw*w*w*w*w*w*", &idx, &conv, &ts, &pkv, &pkm,
                          &pk_kind, &byv, &bym, &by_kind, &act, &act_w, &act_t, &eni, &eni_w, &eni_t, &ne,
                          &out[0], &out[1], &out[2], &out[3], &out[4], &out[5]))
        return NULL;
    PyObject *result = NULL;
    Py_ssize_t n = idx.len / 8, m = out[0].len / 8, size = 2 * m;
    Py_ssize_t n_act = act_t.len, n_eni = eni_t.len / 8;
    int widths_ok = (act_w == 1 || act_w == 2 || act_w == 4 || act_w == 8) &&
                    (eni_w == 1 || eni_w == 2 || eni_w == 4 || eni_w == 8) && pk_kind >= 0 && pk_kind <= 3 &&
                    by_kind >= 0 && by_kind <= 3 && ne >= 1 && ne < INT32_MAX;
    int ok = widths_ok && conv.len == n * 8 && ts.len == n && (pkm.len == 0 || pkm.len == pkv.len / 8) &&
             (bym.len == 0 || bym.len == byv.len / 8) && n_eni >= 1 && (act.len == 0 || n_act >= 1) &&
             out[1].len == size * 8 && out[2].len == size * 8 && out[3].len == size && out[4].len == size * 4 &&
             out[5].len == size * 4;
    if (!ok) {
        PyErr_SetString(PyExc_ValueError, "tally_directions: buffers of mismatched lengths or kinds");
        goto done;
    }
    {
        const int64_t *ix = (const int64_t *)idx.buf, *cv = (const int64_t *)conv.buf;
        const uint8_t *to = (const uint8_t *)ts.buf;
        const int8_t *akind = (const int8_t *)act_t.buf;
        const int64_t *erank = (const int64_t *)eni_t.buf;
        const char *pmask = pkm.len ? (const char *)pkm.buf : NULL, *bmask = bym.len ? (const char *)bym.buf : NULL;
        int64_t *records = (int64_t *)out[0].buf;
        double *pk = (double *)out[1].buf, *by = (double *)out[2].buf; /* uint64 at the end */
        uint8_t *actions = (uint8_t *)out[3].buf;
        int32_t *emin = (int32_t *)out[4].buf, *emax = (int32_t *)out[5].buf;
        /* the frame's rows: every buffer given per row must hold idx's largest */
        Py_ssize_t rows = PY_SSIZE_T_MAX;
        if (pk_kind && pkv.len / 8 < rows)
            rows = pkv.len / 8;
        if (by_kind && byv.len / 8 < rows)
            rows = byv.len / 8;
        if (act.len && act.len / act_w < rows)
            rows = act.len / act_w;
        if (eni.len && eni.len / eni_w < rows)
            rows = eni.len / eni_w;
        int bad = 0;
        Py_BEGIN_ALLOW_THREADS
        for (Py_ssize_t c = 0; c < m; c++)
            records[c] = 0;
        for (Py_ssize_t d = 0; d < size; d++) {
            pk[d] = by[d] = 0.0;
            actions[d] = 0;
            emin[d] = (int32_t)ne;
            emax[d] = -1;
        }
        for (Py_ssize_t r = 0; r < n; r++) {
            Py_ssize_t i = (Py_ssize_t)ix[r];
            int64_t c = cv[r];
            if (c < 0 || c >= m || i < 0 || i >= rows) {
                bad = 1;
                break;
            }
            int64_t d = to[r] ? c + m : c;
            records[c] += 1;
            pk[d] += counter_at((const char *)pkv.buf, pmask, pk_kind, i);
            by[d] += counter_at((const char *)byv.buf, bmask, by_kind, i);
            if (act.len) {
                int64_t a = code_at((const char *)act.buf, act_w, i);
                actions[d] |= (uint8_t)akind[a < 0 || a >= n_act - 1 ? n_act - 1 : a];
            }
            int64_t e = eni.len ? code_at((const char *)eni.buf, eni_w, i) : -1;
            int64_t rank = erank[e < 0 || e >= n_eni - 1 ? n_eni - 1 : e];
            int32_t ek = (int32_t)(rank < 0 ? ne - 1 : rank);
            if (ek < emin[d])
                emin[d] = ek;
            if (ek > emax[d])
                emax[d] = ek;
        }
        for (Py_ssize_t d = 0; d < size; d++) { /* the sums as the integers they are */
            double p = pk[d], b = by[d];
            ((uint64_t *)pk)[d] = (uint64_t)p;
            ((uint64_t *)by)[d] = (uint64_t)b;
        }
        Py_END_ALLOW_THREADS
        if (bad) {
            PyErr_SetString(PyExc_ValueError, "tally_directions: a conversation code or a row out of range");
            goto done;
        }
    }
    result = Py_NewRef(Py_None);
done:
    PyBuffer_Release(&idx);
    PyBuffer_Release(&conv);
    PyBuffer_Release(&ts);
    PyBuffer_Release(&pkv);
    PyBuffer_Release(&pkm);
    PyBuffer_Release(&byv);
    PyBuffer_Release(&bym);
    PyBuffer_Release(&act);
    PyBuffer_Release(&act_t);
    PyBuffer_Release(&eni);
    PyBuffer_Release(&eni_t);
    for (int k = 0; k < 6; k++)
        PyBuffer_Release(&out[k]);
    return result;
}

/* ------------------------------------------------------------------ sums by code */

/* code_sums(codes, codes_width, valid, k, values, values_mask, values_kind, counts, sums) -> None
 * Per code 0..k-1 and one bucket k (a code -1, or a row not valid) of the n rows: how many rows
 * (counts, int64, k + 1) and their summed values (sums, double, k + 1; values_kind 0: none, 1 uint64,
 * 2 int64, 3 float64, a masked value 0), added in row order as numpy's bincount adds them. valid is a
 * bool per row, or empty (every row). See flownb.analysis._frame.code_sums, which has the same in numpy. */
static PyObject *code_sums(PyObject *self, PyObject *args)
{
    Py_buffer codes, valid, vals, vmask, counts, sums;
    int width, kind;
    Py_ssize_t k;
    if (!PyArg_ParseTuple(args, "y*iy*ny*y*iw*w*", &codes, &width, &valid, &k, &vals, &vmask, &kind, &counts,
                          &sums))
        return NULL;
    PyObject *result = NULL;
    Py_ssize_t n = (width == 1 || width == 2 || width == 4 || width == 8) ? codes.len / width : -1;
    if (n < 0 || k < 0 || kind < 0 || kind > 3 || (valid.len != 0 && valid.len != n) ||
        (kind != 0 && vals.len != n * 8) || (vmask.len != 0 && vmask.len != n) || counts.len != (k + 1) * 8 ||
        sums.len != (k + 1) * 8) {
        PyErr_SetString(PyExc_ValueError, "code_sums: buffers of mismatched lengths or kinds");
        goto done;
    }
    {
        const uint8_t *ok = valid.len ? (const uint8_t *)valid.buf : NULL;
        const char *mask = vmask.len ? (const char *)vmask.buf : NULL;
        int64_t *cnt = (int64_t *)counts.buf;
        double *sum = (double *)sums.buf;
        Py_BEGIN_ALLOW_THREADS
        for (Py_ssize_t c = 0; c <= k; c++) {
            cnt[c] = 0;
            sum[c] = 0.0;
        }
        for (Py_ssize_t i = 0; i < n; i++) {
            int64_t c = code_at((const char *)codes.buf, width, i);
            if (c < 0 || c >= k || (ok != NULL && !ok[i]))
                c = k;
            cnt[c] += 1;
            if (kind)
                sum[c] += counter_at((const char *)vals.buf, mask, kind, i);
        }
        Py_END_ALLOW_THREADS
    }
    result = Py_NewRef(Py_None);
done:
    PyBuffer_Release(&codes);
    PyBuffer_Release(&valid);
    PyBuffer_Release(&vals);
    PyBuffer_Release(&vmask);
    PyBuffer_Release(&counts);
    PyBuffer_Release(&sums);
    return result;
}

static PyMethodDef methods[] = {
    {"parse_block", parse_block, METH_VARARGS,
     "parse_block(buf, kinds, max_epoch) -> None | (rows, columns): typed columns of clean flow log lines."},
    {"conversation_codes", conversation_codes, METH_VARARGS,
     "conversation_codes(src, sport, dst, dport, proto, conv, fwd, lo_addr, lo_port, hi_addr, hi_port, "
     "conv_proto) -> m | -1: the records' conversation codes (see flownb.analysis._conversations)."},
    {"tally_directions", tally_directions, METH_VARARGS,
     "tally_directions(...) -> None: per conversation-direction sums (see flownb.analysis._traffic._tallies)."},
    {"code_sums", code_sums, METH_VARARGS,
     "code_sums(...) -> None: rows and summed values per code (see flownb.analysis._frame.code_sums)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_tokenize",
    "A strict tokenizer for clean flow log text (see flownb.io._native).", -1, methods,
};

PyMODINIT_FUNC PyInit__tokenize(void)
{
    return PyModule_Create(&module);
}
