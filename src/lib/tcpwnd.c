/* tcpwnd.c: the peer's window and the way back's facts from TCP_INFO (see
 * tcpwnd.h). It must not judge them (pathback.c does). */
#include "tcpwnd.h"

#include <linux/tcp.h>
#include <netinet/in.h>
#include <stddef.h>
#include <sys/socket.h>

#define TS_OPTION 12 /* bytes of the timestamps option, aligned */

long tcp_peer_window(int fd)
{
	struct tcp_info ti = {0};
	socklen_t len = sizeof ti;

	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0 ||
	    len < offsetof(struct tcp_info, tcpi_snd_wnd) + sizeof ti.tcpi_snd_wnd)
		return -1;
	return (long)ti.tcpi_snd_wnd;
}

/* May mss (TCP_INFO's snd_mss) be Linux's bound of half the largest
 * window the peer offered (tcp_bound_to_half_wnd(): on loopback 32,768,
 * from the handshake's windows), rather than the SYN-ACK's MSS? When mss
 * is at half the window offered now, while that is still the SYN-ACK's;
 * and always from 16,384 up, since a later segment may have offered a
 * larger window by the time this is read, and no MSS clamp is set so
 * high (it hides only a clamp above 16,384). */
static bool at_half_window(int fd, unsigned mss)
{
	long wnd = tcp_peer_window(fd);

	if (mss == 0)
		return false;
	if (mss >= 16384)
		return true;
	return wnd > 0 && wnd <= 65535 && (long)mss >= (wnd > 536 ? wnd / 2 : wnd);
}

void tcp_back_taken(int fd, struct path_sent *s)
{
	struct tcp_info ti = {0};
	socklen_t len = sizeof ti;
	int mtu = -1;
	socklen_t mlen = sizeof mtu;

	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0)
		return;
	/* the SYN-ACK's MSS as taken: what this host sends (snd_mss) and the
	 * timestamps option it leaves room for; exact below what the MTU here
	 * allows */
	s->back_mss = ti.tcpi_snd_mss > 0 ? (long)ti.tcpi_snd_mss : -1;
	if (s->back_mss > 0 && (ti.tcpi_options & TCPI_OPT_TIMESTAMPS) != 0)
		s->back_mss += TS_OPTION;
	if (getsockopt(fd, s->v6 ? IPPROTO_IPV6 : IPPROTO_IP, s->v6 ? IPV6_MTU : IP_MTU, &mtu,
		       &mlen) < 0)
		mtu = -1;
	s->back_mss_limit = mtu > 0 ? mtu - (s->v6 ? 60 : 40) : -1;
	s->back_mss_window = at_half_window(fd, ti.tcpi_snd_mss);
	/* the SYN-ACK's window scale: taken when agreed; none came when the
	 * SYN offered one and none was agreed */
	if ((ti.tcpi_options & TCPI_OPT_WSCALE) != 0)
		s->back_wscale = ti.tcpi_snd_wscale;
	else if (s->wscale == 1)
		s->back_wscale = PATH_NONE;
}
