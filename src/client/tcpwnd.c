/* tcpwnd.c: the peer's window from TCP_INFO (see tcpwnd.h). */
#include "tcpwnd.h"

#include <linux/tcp.h>
#include <netinet/in.h>
#include <stddef.h>
#include <sys/socket.h>

long tcp_peer_window(int fd)
{
	struct tcp_info ti = { 0 };
	socklen_t len = sizeof ti;

	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0 ||
	    len < offsetof(struct tcp_info, tcpi_snd_wnd) + sizeof ti.tcpi_snd_wnd)
		return -1;
	return (long)ti.tcpi_snd_wnd;
}
