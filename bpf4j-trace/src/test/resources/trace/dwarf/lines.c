/* DebugInfoTest's program: functions with parameters, a struct, branches on separate lines and
 * functions inlined into others (built at -O2 with always_inline) for source locations. */
struct point {
  int x;
  long y;
};

static volatile int sink;

static inline __attribute__((always_inline)) int inner(int v)
{
  sink = v * 3;
  return sink + 1;
}

static inline __attribute__((always_inline)) int middle(int v)
{
  int r = inner(v + 1);
  sink = r;
  return r * 2;
}

__attribute__((noinline)) int outer(struct point *p, char c)
{
  int s = middle(p->x + c);
  return s + (int)p->y;
}

__attribute__((noinline)) int branch(int n)
{
  if (n == 1) {
    return 10;
  } else if (n == 2) {
    return 20;
  }
  return 30;
}

int main(int argc, char **argv)
{
  struct point p = { argc, 2 };
  (void)argv;
  return outer(&p, 'x') + branch(argc);
}
