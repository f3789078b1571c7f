/* escape.c: escaping untrusted bytes for logs (see escape.h).
 *
 * Pure: it must not write past the caller's buffer nor let a byte outside
 * printable ASCII through unescaped. */
#include "escape.h"

#include <stdio.h>
#include <string.h>

static const char hexdigits[] = "0123456789abcdef";

/* Escapes src into dst at *o, leaving room for keep more bytes after it;
 * stops at a byte whose escape does not fit. */
static void escape_into(char *dst, size_t dstsize, size_t *o, const unsigned char *s, size_t len,
			size_t keep)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = s[i];
		char esc[4];
		size_t n;

		if (c == '\\' || c == '"') {
			esc[0] = '\\';
			esc[1] = (char)c;
			n = 2;
		} else if (c >= 0x20 && c <= 0x7e) {
			esc[0] = (char)c;
			n = 1;
		} else {
			esc[0] = '\\';
			esc[1] = 'x';
			esc[2] = hexdigits[c >> 4];
			esc[3] = hexdigits[c & 0xf];
			n = 4;
		}
		if (*o + n + keep > dstsize)
			break;
		memcpy(dst + *o, esc, n);
		*o += n;
	}
}

size_t escape_payload(char *dst, size_t dstsize, const void *src, size_t len, size_t max)
{
	size_t shown = len < max ? len : max;
	size_t o = 0;

	if (dstsize == 0)
		return 0;
	/* room for the closing quote and the NUL is kept in reserve */
	if (dstsize < 3) {
		dst[0] = '\0';
		return 0;
	}
	dst[o++] = '"';
	escape_into(dst, dstsize, &o, src, shown, 2);
	dst[o++] = '"';
	dst[o] = '\0';
	if (len > shown) {
		int w = snprintf(dst + o, dstsize - o, " [+%zu bytes cut]", len - shown);

		if (w > 0 && (size_t)w < dstsize - o)
			o += (size_t)w;
		else
			dst[o] = '\0';
	}
	return o;
}

const char *escape_name(char *dst, size_t dstsize, const char *s)
{
	size_t o = 0;

	if (dstsize == 0)
		return dst;
	escape_into(dst, dstsize, &o, (const unsigned char *)s, strlen(s), 1);
	dst[o] = '\0';
	return dst;
}
