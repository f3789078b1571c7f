/* fuzz_pathreport: libFuzzer target for the client's reading of a path
 * report (src/lib/pathreport.c). Any bytes: never a read past them (the
 * sanitizers watch); what a parse that succeeds says stays within what a
 * report can hold; the verdicts and the JSON made of it fit their
 * buffers and stay one terminated string. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pathjson.h"
#include "pathreport.h"
#include "pathtext.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct path_seen s;
	struct path_sent sent = { .local = "192.0.2.1", .local_port = 1, .ttl = 64, .dscp = 46,
				  .ecn = 2, .ecn_setup = 1, .mss = 1460, .wscale = 1, .sack = 1,
				  .timestamps = 1, .size = 1024, .local_mtu = 1500 };
	char err[128], buf[PATH_TEXT_MAX];
	size_t n;

	if (path_parse_report((const char *)data, size, &s, err, sizeof err) != 0) {
		if (strlen(err) >= sizeof err)
			abort();
		return 0;
	}
	if (s.client_port < 0 || s.client_port > 65535 || s.local_port > 65535 || s.ttl > 255 ||
	    s.dscp > 63 || s.ecn > 3 || s.mss > 65535 || s.nother > 256 ||
	    strlen(s.client) >= PATH_ADDR_MAX || strlen(s.local) >= PATH_ADDR_MAX)
		abort();
	for (int udp = 0; udp < 2; udp++) {
		sent.udp = udp;
		n = path_text(buf, sizeof buf, &sent, &s);
		if (n != strlen(buf) || n >= sizeof buf)
			abort();
		n = path_json(buf, sizeof buf, &sent, &s);
		if (n != strlen(buf) || n >= sizeof buf || buf[0] != '{' || buf[n - 1] != '}')
			abort();
	}
	return 0;
}
