/* escape.c: escaping untrusted bytes for logs (see escape.h). */
#include "escape.h"

#include <stdio.h>

static const char hexdigits[] = "0123456789abcdef";

size_t escape_payload(char *dst, size_t dstsize, const void *src, size_t len, size_t max)
{
	const unsigned char *s = src;
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
	for (size_t i = 0; i < shown; i++) {
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
		if (o + n + 2 > dstsize)
			break;
		for (size_t k = 0; k < n; k++)
			dst[o++] = esc[k];
	}
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
