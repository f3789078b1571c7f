/* tcpwnd.h: the window a connected TCP socket's peer offers, from the
 * kernel's own struct tcp_info (linux/tcp.h: glibc's netinet/tcp.h lacks
 * the field), apart so that the two headers never meet in one file.
 *
 * It must not do more than read it: no verdict here (pathprobe.c,
 * pathback.c). */
#ifndef NETECHO_TCPWND_H
#define NETECHO_TCPWND_H

/* The peer's receive window as this host has it (tcpi_snd_wnd, Linux 5.19
 * and later: right after the handshake, the SYN-ACK's), or -1 when the
 * kernel does not say. */
long tcp_peer_window(int fd);

#endif
