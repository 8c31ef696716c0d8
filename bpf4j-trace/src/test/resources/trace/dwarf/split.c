/* DebugInfoTest's program for a DWARF package (llvm-dwp-19 loops forever on the split file of
 * some programs, lines.c among them, and binutils' dwp crashes on DWARF 5: this one packages). */
struct point {
  int x;
  long y;
};

int outer(struct point *p, char c)
{
  return p->x + c;
}

int branch(int n)
{
  if (n == 1)
    return 10;
  return 30;
}

int main(int argc, char **argv)
{
  struct point p = { argc, 2 };
  (void)argv;
  return outer(&p, 'x') + branch(argc);
}
