/* unit_escape: payload escaping for logs (src/lib/escape.c). */
#include <stdlib.h>

#include "escape.h"
#include "unit.h"

static const char *esc(const void *s, size_t len, size_t max)
{
	static char buf[ESCAPE_BUFSIZE(ESCAPE_PAYLOAD_MAX)];

	escape_payload(buf, sizeof buf, s, len, max);
	return buf;
}

int main(void)
{
	char big[1024], out[ESCAPE_BUFSIZE(ESCAPE_PAYLOAD_MAX)];
	size_t n;

	CHECK_STR(esc("Hello TCP", 9, 256), "\"Hello TCP\"");
	CHECK_STR(esc("", 0, 256), "\"\"");
	/* CR, LF and ESC cannot split or colour a log line */
	CHECK_STR(esc("a\r\nb\x1b[31m", 9, 256), "\"a\\x0d\\x0ab\\x1b[31m\"");
	/* NUL, DEL and bytes above 0x7f */
	CHECK_STR(esc("\0\x7f\x80\xff", 4, 256), "\"\\x00\\x7f\\x80\\xff\"");
	/* the quote and the backslash are escaped, so decoding is unambiguous */
	CHECK_STR(esc("\"\\x41", 5, 256), "\"\\\"\\\\x41\"");
	/* a format directive is only text */
	CHECK_STR(esc("%s%n", 4, 256), "\"%s%n\"");
	/* every byte value: only 0x20-0x7e pass through */
	for (int c = 0; c < 256; c++) {
		unsigned char b = (unsigned char)c;
		const char *e = esc(&b, 1, 256);
		size_t len = strlen(e);

		if (c >= 0x20 && c <= 0x7e && c != '"' && c != '\\')
			CHECK(len == 3 && (unsigned char)e[1] == b);
		else if (c == '"' || c == '\\')
			CHECK(len == 4 && e[1] == '\\');
		else
			CHECK(len == 6 && e[1] == '\\' && e[2] == 'x');
		for (size_t i = 0; i < len; i++)
			CHECK(e[i] >= 0x20 && e[i] <= 0x7e);
	}
	/* cut at the limit, with a marker saying how much */
	memset(big, 'a', sizeof big);
	n = escape_payload(out, sizeof out, big, 1000, ESCAPE_PAYLOAD_MAX);
	CHECK(n == strlen(out));
	CHECK(strncmp(out + 1 + 256, "\" [+744 bytes cut]", 18) == 0);
	CHECK(strlen(out) == 1 + 256 + 18);
	/* exactly at the limit: no marker */
	escape_payload(out, sizeof out, big, 256, ESCAPE_PAYLOAD_MAX);
	CHECK(strlen(out) == 258 && strchr(out, '[') == NULL);
	/* the worst case fits the documented buffer size */
	memset(big, 0xff, sizeof big);
	n = escape_payload(out, sizeof out, big, sizeof big, ESCAPE_PAYLOAD_MAX);
	CHECK(n == 1 + 256 * 4 + 1 + strlen(" [+768 bytes cut]"));
	CHECK(n < sizeof out);
	/* a small buffer is never overrun and stays terminated */
	for (size_t size = 0; size < 16; size++) {
		char small[17];

		memset(small, 'Z', sizeof small);
		n = escape_payload(small, size, "\x01\x02\x03\x04", 4, 256);
		CHECK(small[size] == 'Z');
		if (size > 0)
			CHECK(n < size && small[n] == '\0');
	}
	return unit_done("unit_escape");
}
