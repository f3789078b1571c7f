/* escape.h: make untrusted bytes safe for a log line.
 *
 * Every byte outside printable ASCII (0x20-0x7e) becomes \xHH, and the
 * backslash and double quote become \\ and \", so the result can be quoted,
 * cannot split or forge a log line, and can be decoded unambiguously.
 * Ours: glibc has no such function (strvis(3) is BSD's), and the log's
 * readers and tests rely on this exact form.
 *
 * It must not write past the caller's buffer. */
#ifndef NETECHO_ESCAPE_H
#define NETECHO_ESCAPE_H

#include <stddef.h>

/* Payload bytes shown in a log line; the rest is cut with a marker. */
#define ESCAPE_PAYLOAD_MAX 256

/* Buffer size that always holds escape_payload()'s output for max bytes:
 * 4 characters a byte, two quotes, the cut marker and the NUL. */
#define ESCAPE_BUFSIZE(max) ((max) * 4 + 48)

/* Writes into dst (of dstsize bytes, NUL-terminated) the first max bytes of
 * src escaped and in double quotes, followed by " [+N bytes cut]" when len is
 * larger than max. Stops early, still terminated, if dst is too small.
 * Returns the length of the string written. */
size_t escape_payload(char *dst, size_t dstsize, const void *src, size_t len, size_t max);

/* The same escaping without the quotes and the marker, for a name that is
 * normally plain text (a file name, a section name): as much of the string
 * s as fits dst, always terminated. Returns dst. */
const char *escape_name(char *dst, size_t dstsize, const char *s);

#endif
