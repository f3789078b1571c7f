/* fuzz_escape: libFuzzer target for payload escaping. The output must be
 * printable ASCII only, fit the documented buffer, and decode back to
 * exactly the bytes shown: escaping is unambiguous. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char out[ESCAPE_BUFSIZE(ESCAPE_PAYLOAD_MAX)];
	static unsigned char back[ESCAPE_PAYLOAD_MAX];
	size_t n = escape_payload(out, sizeof out, data, size, ESCAPE_PAYLOAD_MAX);
	size_t shown = size < ESCAPE_PAYLOAD_MAX ? size : ESCAPE_PAYLOAD_MAX, o = 0, i;

	if (n != strlen(out) || n >= sizeof out || out[0] != '"')
		abort();
	for (i = 0; i < n; i++)
		if (out[i] < 0x20 || out[i] > 0x7e)
			abort();
	/* decode what is between the quotes */
	for (i = 1; i < n && out[i] != '"'; i++) {
		if (o >= sizeof back)
			abort();
		if (out[i] != '\\') {
			back[o++] = (unsigned char)out[i];
			continue;
		}
		i++;
		if (out[i] == '\\' || out[i] == '"') {
			back[o++] = (unsigned char)out[i];
		} else if (out[i] == 'x' && hexval(out[i + 1]) >= 0 && hexval(out[i + 2]) >= 0) {
			back[o++] = (unsigned char)(hexval(out[i + 1]) << 4 | hexval(out[i + 2]));
			i += 2;
		} else {
			abort();
		}
	}
	if (o != shown || memcmp(back, data, shown) != 0)
		abort();
	/* after the closing quote: nothing, or the cut marker */
	if (size > shown) {
		char marker[64];

		snprintf(marker, sizeof marker, " [+%zu bytes cut]", size - shown);
		if (strcmp(out + i + 1, marker) != 0)
			abort();
	} else if (out[i + 1] != '\0') {
		abort();
	}
	return 0;
}
