/* logsink: a minimal syslog daemon for the tests. Binds a unix datagram
 * socket at PATH (as /dev/log is) and appends every message it receives,
 * as one line, to OUTFILE. Stops on SIGTERM.
 *
 *   logsink PATH OUTFILE */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	static char buf[65536];
	FILE *out;
	int fd;

	if (argc != 3 || strlen(argv[1]) >= sizeof sun.sun_path) {
		fprintf(stderr, "usage: logsink PATH OUTFILE\n");
		return 2;
	}
	strcpy(sun.sun_path, argv[1]);
	out = fopen(argv[2], "a");
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (out == NULL || fd < 0) {
		perror("logsink");
		return 1;
	}
	unlink(argv[1]);
	if (bind(fd, (struct sockaddr *)&sun, sizeof sun) < 0) {
		fprintf(stderr, "logsink: bind %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof buf - 1, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("logsink: recv");
			return 1;
		}
		/* one message, one line: a newline inside would be a forged line,
		 * so it is kept visible */
		for (ssize_t i = 0; i < n; i++)
			if (buf[i] == '\n')
				buf[i] = '|';
		buf[n] = '\0';
		fprintf(out, "%s\n", buf);
		fflush(out);
	}
}
