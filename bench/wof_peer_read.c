/* wof_peer_read - the peer of `ntkit ntfs cat` on a WOF file in
 * bench/wof_read_bench.sh: a reader of a WofCompressedData stream (already
 * extracted to a host file) built on wimlib's decompressors, doing the
 * least work a reader can. It reads the chunk table once, then for every
 * 1 MiB of output fetches the stored bytes of those chunks with one pread
 * and decodes them one by one with wimlib_decompress (stored chunks are
 * copied) into a 1 MiB buffer written to stdout. One thread, as wimlib's
 * own readers decode.
 *
 * usage: wof_peer_read STREAM_FILE x4k|lzx UNCOMPRESSED_SIZE > OUT
 * exit 0, 1 on a damaged stream or an I/O error, 2 on bad usage. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <wimlib.h>

#define OUT_BYTES ((size_t)1 << 20)

static int die(const char *what)
{
    fprintf(stderr, "wof_peer_read: %s\n", what);
    return 1;
}

static int read_at(int fd, void *buf, size_t len, uint64_t off)
{
    uint8_t *p = buf;
    while (len) {
        ssize_t n = pread(fd, p, len, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
        off += (uint64_t)n;
    }
    return 0;
}

static int write_all(const uint8_t *p, size_t len)
{
    while (len) {
        ssize_t n = write(1, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct wimlib_decompressor *dec;
    uint64_t size, stream_size, n_chunks, table_size, *start;
    uint8_t *table, *in, *out;
    size_t cs, es;
    struct stat st;
    int fd, ctype;

    if (argc != 4 || (strcmp(argv[2], "x4k") && strcmp(argv[2], "lzx"))) {
        fprintf(stderr, "usage: wof_peer_read STREAM_FILE x4k|lzx UNCOMPRESSED_SIZE > OUT\n");
        return 2;
    }
    cs = argv[2][0] == 'x' ? 4096 : 32768;
    ctype = argv[2][0] == 'x' ? WIMLIB_COMPRESSION_TYPE_XPRESS : WIMLIB_COMPRESSION_TYPE_LZX;
    size = strtoull(argv[3], NULL, 10);
    fd = open(argv[1], O_RDONLY);
    if (fd < 0 || fstat(fd, &st))
        return die("cannot open the stream");
    stream_size = (uint64_t)st.st_size;
    n_chunks = (size + cs - 1) / cs;
    es = size > UINT32_MAX ? 8 : 4;
    table_size = n_chunks ? (n_chunks - 1) * es : 0;
    if (stream_size < table_size)
        return die("stream shorter than its chunk table");

    /* Chunk i's stored bytes: [start[i], start[i + 1]). */
    table = malloc(table_size + 1);
    start = malloc((n_chunks + 1) * sizeof *start);
    in = malloc(OUT_BYTES);
    out = malloc(OUT_BYTES);
    if (!table || !start || !in || !out)
        return die("out of memory");
    if (read_at(fd, table, (size_t)table_size, 0))
        return die("cannot read the chunk table");
    start[0] = table_size;
    for (uint64_t i = 1; i < n_chunks; i++) {
        const uint8_t *e = table + (i - 1) * es;
        uint64_t v = (uint64_t)e[0] | (uint64_t)e[1] << 8 | (uint64_t)e[2] << 16 | (uint64_t)e[3] << 24;
        if (es == 8)
            v |= (uint64_t)e[4] << 32 | (uint64_t)e[5] << 40 | (uint64_t)e[6] << 48 | (uint64_t)e[7] << 56;
        start[i] = table_size + v;
    }
    start[n_chunks] = stream_size;
    if (wimlib_create_decompressor(ctype, cs, &dec))
        return die("wimlib_create_decompressor failed");

    for (uint64_t first = 0; first < n_chunks;) {
        uint64_t last = first + OUT_BYTES / cs; /* exclusive */
        size_t produced = 0;
        if (last > n_chunks)
            last = n_chunks;
        for (uint64_t i = first; i < last; i++)
            if (start[i + 1] < start[i] || start[i + 1] > stream_size)
                return die("chunk table out of order");
        if (read_at(fd, in, (size_t)(start[last] - start[first]), start[first]))
            return die("cannot read chunks");
        for (uint64_t i = first; i < last; i++) {
            size_t clen = (size_t)(start[i + 1] - start[i]);
            size_t ulen = size - i * cs < cs ? (size_t)(size - i * cs) : cs;
            const uint8_t *src = in + (start[i] - start[first]);
            if (clen > ulen)
                return die("chunk larger than its uncompressed size");
            if (clen == ulen)
                memcpy(out + produced, src, ulen);
            else if (wimlib_decompress(src, clen, out + produced, ulen, dec))
                return die("chunk does not decode");
            produced += ulen;
        }
        if (write_all(out, produced))
            return die("write error");
        first = last;
    }
    wimlib_free_decompressor(dec);
    free(out);
    free(in);
    free(start);
    free(table);
    close(fd);
    return 0;
}
