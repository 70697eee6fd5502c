// Minimal batched STUN Binding reflector for measuring the load generator's own ceiling (not a real server):
// recvmmsg a batch, turn each 20-byte Binding request into a success response with XOR-MAPPED-ADDRESS, sendmmsg.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#define B 64
int main(int argc, char **argv) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0), rb = 4 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rb, sizeof rb); setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &rb, sizeof rb);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[1]))};
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  if (bind(fd, (void *)&a, sizeof a)) { perror("bind"); return 1; }
  static unsigned char buf[B][2048]; struct mmsghdr m[B]; struct iovec iov[B]; struct sockaddr_in from[B];
  for (;;) {
    for (int i = 0; i < B; i++) {
      iov[i] = (struct iovec){buf[i], 2048};
      m[i].msg_hdr = (struct msghdr){.msg_name = &from[i], .msg_namelen = sizeof from[i], .msg_iov = &iov[i], .msg_iovlen = 1};
    }
    int n = recvmmsg(fd, m, B, MSG_WAITFORONE, NULL);
    if (n <= 0) continue;
    int k = 0;
    for (int i = 0; i < n; i++) {
      unsigned char *p = buf[i];
      if (m[i].msg_len != 20 || p[0] != 0 || p[1] != 1) continue;
      p[0] = 0x01; p[1] = 0x01; p[2] = 0; p[3] = 12;          // Binding success, length 12
      unsigned char *x = p + 20;
      x[0] = 0; x[1] = 0x20; x[2] = 0; x[3] = 8; x[4] = 0; x[5] = 1; // XOR-MAPPED-ADDRESS, IPv4
      unsigned short port = ntohs(from[i].sin_port) ^ 0x2112; x[6] = port >> 8; x[7] = port;
      unsigned char *ip = (unsigned char *)&from[i].sin_addr;
      for (int j = 0; j < 4; j++) x[8 + j] = ip[j] ^ p[4 + j];
      iov[i].iov_len = 32;
      m[k] = m[i]; m[k].msg_hdr.msg_iov = &iov[i]; k++;
    }
    if (k) sendmmsg(fd, m, k, 0);
  }
}
