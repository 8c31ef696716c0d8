// The target of bpf4j trace's dw_ustack tests: funcA calls funcB calls funcC calls funcD, built
// without frame pointers (see build.sh), so that only unwinding by the .eh_frame rules gives the
// whole stack. funcC keeps a large frame (its CFA offset is not 8 or 16).
//
//   nofp once N   calls funcA N times, 1 ms apart, and exits
//   nofp loop     prints its pid, then calls funcA every millisecond until killed
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

volatile int sink;

__attribute__((noinline)) void funcD(void)
{
  sink = 42;
}

__attribute__((noinline)) void funcC(void)
{
  volatile char big[200];
  big[sink & 127] = 1;
  funcD();
  sink += big[3];
}

__attribute__((noinline)) void funcB(void)
{
  funcC();
  sink++;
}

__attribute__((noinline)) void funcA(void)
{
  funcB();
  sink++;
}

int main(int argc, char **argv)
{
  if (argc == 3 && strcmp(argv[1], "once") == 0) {
    for (int i = atoi(argv[2]); i > 0; i--) {
      funcA();
      usleep(1000);
    }
    return 0;
  }
  if (argc == 2 && strcmp(argv[1], "loop") == 0) {
    printf("%d\n", getpid());
    fflush(stdout);
    for (;;) {
      funcA();
      usleep(1000);
    }
  }
  fprintf(stderr, "usage: nofp once N | nofp loop\n");
  return 2;
}
