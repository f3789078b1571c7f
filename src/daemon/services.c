/* services.c: the table of services (service.h): one row each, and the
 * row that serves a socket. Adding a service: its file, its row here,
 * and its keys (config.h, config.c).
 *
 * It must not hold what a service does: only which function does it. */
#include "service.h"

#include <stddef.h>

#include "echo.h"
#include "metrics.h"
#include "reportsvc.h"

enum { ECHO_TCP, ECHO_UDP, REPORT, METRICS };

/* clang-format off */
static const struct service_row rows[] = {
	[ECHO_TCP] = {
		.name = "echo", .title = "the echo", .label = SERVICE_ECHO,
		.section = CONFIG_TCP, .protocols = SERVICE_TCP,
		.tcp_word = "tcp", .per_source = true,
		.serve_tcp = echo_serve_tcp,
	},
	[ECHO_UDP] = {
		.name = "echo", .title = "the echo", .label = SERVICE_ECHO,
		.section = CONFIG_UDP, .protocols = SERVICE_UDP,
		.udp_word = "udp", .dgram_word = "udp datagram",
		.udp_new = echo_udp_new, .udp_configure = echo_udp_configure,
		.udp_free = echo_udp_free, .serve_udp = echo_serve_udp,
	},
	[REPORT] = {
		.name = "report", .title = "the path report", .label = SERVICE_REPORT,
		.section = CONFIG_REPORT,
		.protocols = SERVICE_TCP | SERVICE_UDP,
		.tcp_word = "report tcp", .udp_word = "report udp",
		.dgram_word = "udp report-probe", .always_facts = true,
		.serve_tcp = report_serve_tcp,
		.udp_new = report_udp_new, .udp_configure = report_udp_configure,
		.udp_free = report_udp_free, .serve_udp = report_serve_udp,
	},
	[METRICS] = {
		.name = "metrics", .title = "the metrics service", .label = SERVICE_METRICS,
		.section = CONFIG_METRICS,
		.protocols = SERVICE_TCP, .tcp_word = "metrics tcp",
		.serve_tcp = metrics_serve_tcp, .stop = metrics_stop,
	},
};
/* clang-format on */

_Static_assert(sizeof rows / sizeof rows[0] <= SERVICES_MAX, "raise SERVICES_MAX");

const struct service_row *service_of(unsigned protocol, enum service svc)
{
	for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++)
		if (rows[k].label == svc && (rows[k].protocols & protocol) != 0)
			return &rows[k];
	return &rows[protocol == SERVICE_UDP ? ECHO_UDP : ECHO_TCP]; /* not reached */
}

const struct service_row *service_rows(unsigned *n)
{
	*n = sizeof rows / sizeof rows[0];
	return rows;
}

unsigned service_index(const struct service_row *row)
{
	return (unsigned)(row - rows);
}

void services_stop(void)
{
	for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++)
		if (rows[k].stop != NULL)
			rows[k].stop();
}
