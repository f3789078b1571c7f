/* fuzz_synparse: libFuzzer target for the saved-SYN parser and the report
 * built from it. Any bytes: never a read past them (the sanitizers watch),
 * and what a parse that succeeds says stays within what the headers can
 * hold; the log fields and the JSON it makes fit their buffers. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "report.h"
#include "synparse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct syn_facts f;
	struct sockaddr_in client = { .sin_family = AF_INET, .sin_port = htons(1) };
	char buf[REPORT_JSON_MAX];
	size_t n;

	if (synparse(data, size, &f) != SYN_OK)
		return 0;
	if (f.ttl < 0 || f.ttl > 255 || f.dscp < 0 || f.dscp > 63 || f.window > 65535 ||
	    f.mss > 65535 || f.wscale > 255 || f.nother < 0 || f.sport > 65535 || f.dport > 65535 ||
	    (f.family != AF_INET && f.family != AF_INET6) ||
	    (f.family == AF_INET6 && f.flow_label > 0xfffff))
		abort();
	n = report_syn_fields(buf, REPORT_FIELDS_MAX, &f);
	if (n != strlen(buf) || n >= REPORT_FIELDS_MAX)
		abort();
	n = report_tcp_json(buf, sizeof buf, &f, (struct sockaddr *)&client, sizeof client, NULL, 0,
			    NULL, 0,
			    &(struct report_synack){ 65535, 14 });
	if (n != strlen(buf) || n >= sizeof buf || buf[n - 1] != '\n')
		abort();
	return 0;
}
