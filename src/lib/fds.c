/* fds.c: the descriptors a program starts with (see fds.h). Ours because
 * no library call makes 0, 1 and 2 open; closing the others is glibc's
 * closefrom(3).
 *
 * It must not close a descriptor: 0, 1 and 2 are opened on /dev/null when
 * closed, nothing more. */
#include "fds.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

int fds_ensure_std(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		int null;

		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		/* the lowest free number: fd itself, as those below are open */
		null = open("/dev/null", O_RDWR);
		if (null < 0)
			return -1;
		if (null != fd) {
			close(null);
			errno = EBADF;
			return -1;
		}
	}
	return 0;
}
