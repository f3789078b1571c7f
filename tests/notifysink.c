/* notifysink: a fake service manager for the tests. Binds a unix datagram
 * socket at PATH (to be given to netechod as NOTIFY_SOCKET) and writes each
 * message it receives as one line to OUTFILE: milliseconds since start,
 * then the message with its newlines shown as spaces. With -p PORT, each
 * message with READY=1 is followed at once by a TCP connection attempt to
 * 127.0.0.1:PORT, and the line ends with "tcp=answers" or "tcp=refused".
 * A PATH that starts with @ is in the abstract namespace, as in
 * NOTIFY_SOCKET.
 *
 *   notifysink [-p PORT] PATH OUTFILE */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "clock.h"
#include "helper.h"

static const char *tcp_check(long port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	int ok;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0)
		return "tcp=error";
	ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
	close(fd);
	return ok ? "tcp=answers" : "tcp=refused";
}

int main(int argc, char **argv)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	static char buf[4096];
	double t0 = clock_now();
	long port = 0;
	FILE *out;
	int fd, opt;

	while ((opt = getopt(argc, argv, "p:")) != -1) {
		if (opt != 'p')
			return 2;
		port = num(optarg);
	}
	if (argc - optind != 2 || strlen(argv[optind]) >= sizeof sun.sun_path) {
		fprintf(stderr, "usage: notifysink [-p PORT] PATH OUTFILE\n");
		return 2;
	}
	strcpy(sun.sun_path, argv[optind]);
	out = fopen(argv[optind + 1], "a");
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (out == NULL || fd < 0) {
		perror("notifysink");
		return 1;
	}
	if (sun.sun_path[0] == '@')
		sun.sun_path[0] = '\0';
	else
		unlink(sun.sun_path);
	if (bind(fd, (struct sockaddr *)&sun,
		 (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(argv[optind]))) < 0) {
		fprintf(stderr, "notifysink: bind %s: %s\n", sun.sun_path, strerror(errno));
		return 1;
	}
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof buf - 1, 0);
		const char *extra = "";

		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("notifysink: recv");
			return 1;
		}
		buf[n] = '\0';
		if (port > 0 &&
		    (strncmp(buf, "READY=1", 7) == 0 || strstr(buf, "\nREADY=1") != NULL))
			extra = tcp_check(port);
		for (ssize_t i = 0; i < n; i++)
			if (buf[i] == '\n')
				buf[i] = ' ';
		fprintf(out, "%.0f %s%s%s\n", (clock_now() - t0) * 1000, buf, *extra ? " " : "",
			extra);
		fflush(out);
	}
}
