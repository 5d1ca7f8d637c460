// Load raw BPF instructions from stdin with BPF_PROG_LOAD (argv: prog_type log_level)
// and print the verifier log and the result. Used to (re)make ../kernel-log.json.
#include <linux/bpf.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
static char logbuf[1<<22];
int main(int argc, char **argv) {
  unsigned char buf[1<<16]; size_t n = fread(buf,1,sizeof buf,stdin);
  int type = argc > 1 ? atoi(argv[1]) : BPF_PROG_TYPE_SOCKET_FILTER;
  int lvl = argc > 2 ? atoi(argv[2]) : 2;
  union bpf_attr a; memset(&a,0,sizeof a);
  a.prog_type = type; a.insns = (unsigned long)buf; a.insn_cnt = n/8;
  a.license = (unsigned long)"GPL"; a.log_buf=(unsigned long)logbuf; a.log_size=sizeof logbuf; a.log_level=lvl;
  int fd = syscall(SYS_bpf, BPF_PROG_LOAD, &a, sizeof a);
  printf("%s", logbuf);
  printf("== fd=%d errno=%d\n", fd, fd<0?errno:0);
  return 0;
}
