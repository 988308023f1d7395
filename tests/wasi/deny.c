/*
 * WASI guest: asks for what a deny-by-default context refuses (files,
 * directories, sockets, seeking stdio, stdin without a grant) and prints
 * how each was refused. Errno values are printed by name so the expected
 * output does not depend on the libc's strerror texts.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *ename(int e) {
  switch (e) {
  case 0:
    return "0";
  case EACCES:
    return "EACCES";
  case EBADF:
    return "EBADF";
  case EINVAL:
    return "EINVAL";
  case ENOENT:
    return "ENOENT";
#ifdef ENOTCAPABLE
  case ENOTCAPABLE:
    return "ENOTCAPABLE";
#endif
  case ENOTDIR:
    return "ENOTDIR";
  case ENOTSOCK:
    return "ENOTSOCK";
  case ENOTSUP:
    return "ENOTSUP";
  case ESPIPE:
    return "ESPIPE";
  default:
    return "other";
  }
}

#define TRY(what, expr)                                                                            \
  do {                                                                                             \
    errno = 0;                                                                                     \
    long r_ = (long)(expr);                                                                        \
    printf("%s: %s %s\n", what, r_ < 0 ? "denied" : "allowed", ename(errno));                      \
  } while (0)

int main(void) {
  FILE *f = fopen("/etc/passwd", "r");
  printf("fopen /etc/passwd: %s %s\n", f ? "allowed" : "denied", ename(errno));
  f = fopen("out.txt", "w");
  printf("fopen out.txt w: %s %s\n", f ? "allowed" : "denied", ename(errno));
  errno = 0;
  DIR *d = opendir(".");
  printf("opendir .: %s %s\n", d ? "allowed" : "denied", ename(errno));
  TRY("open /", open("/", O_RDONLY));
  TRY("unlink x", unlink("x"));
  TRY("mkdir d", mkdir("d", 0700));
  TRY("send fd 3", send(3, "x", 1, 0));
  TRY("recv fd 1", recv(1, (char[4]){0}, 4, 0));
  TRY("shutdown fd 1", shutdown(1, SHUT_RDWR));
  TRY("lseek stdout", lseek(1, 0, SEEK_CUR));
  TRY("read stdin", read(0, (char[4]){0}, 4));
  TRY("write fd 5", write(5, "x", 1));
  TRY("close fd 7", close(7));
  printf("isatty stdout: %d\n", isatty(1));
  return 0;
}
