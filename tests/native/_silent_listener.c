/*
 * A TCP listener on 127.0.0.1 that never accepts, with a backlog of 0: once its accept queue holds
 * a connection or two, the kernel drops further SYNs, so connects to it stay pending until they
 * time out. Used by tests/native/connect_pool_test.ts. Prints the port, then waits for stdin to
 * close.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sa;
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof sa;
  if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 0) < 0 ||
      getsockname(fd, (struct sockaddr *)&sa, &len) < 0) {
    perror("listener");
    return 1;
  }
  printf("%u\n", (unsigned)ntohs(sa.sin_port));
  fflush(stdout);
  char sink[64];
  while (read(0, sink, sizeof sink) > 0) {
  }
  close(fd);
  return 0;
}
