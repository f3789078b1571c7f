/* fds.c: the descriptors a program starts with (see fds.h). */
#include "fds.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/syscall.h>
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

int fds_close_from(int first)
{
	DIR *d;
	struct dirent *e;

	if (syscall(SYS_close_range, (unsigned)first, ~0U, 0) == 0)
		return 0;
	/* a kernel before 5.9: every open descriptor, as /proc lists them */
	d = opendir("/proc/self/fd");
	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		char *end;
		long fd = strtol(e->d_name, &end, 10);

		if (*end == '\0' && end != e->d_name && fd >= first && fd != dirfd(d))
			close((int)fd);
	}
	return closedir(d);
}
