/*
 * The test program of the side-by-side scripts that read structs through uprobes (built by
 * SideBySideTest with cc -g -O0 -no-pie, for its DWARF debug information): parameters that point
 * to structs with char, integer, multi-dimensional and struct arrays, pointers to pointers, and a
 * pointer walked over an array of structs.
 */
#include <stdint.h>
#include <stdio.h>

struct point {
    int x;
    int y;
};

struct shape {
    char name[12];
    uint8_t kind;
    short sides;
    struct point corners[4];
    int grid[2][3];
    struct point *origin;
    struct shape *next;
};

__attribute__((noinline)) int area(struct shape *s, char tag, int *scale) {
    __asm__ volatile("" ::: "memory");
    return s->sides * *scale + tag;
}

__attribute__((noinline)) int walk(struct shape **list, struct point *points, int n) {
    __asm__ volatile("" ::: "memory");
    return list[0]->sides + points[n - 1].x;
}

int main(void) {
    struct point o = {7, -3};
    struct shape b = {"square", 2, 4, {{0, 0}, {0, 5}, {5, 5}, {5, 0}}, {{1, 2, 3}, {4, 5, 6}}, &o, NULL};
    struct shape a = {"triangle", 1, 3, {{0, 0}, {4, 0}, {0, 3}, {0, 0}}, {{-1, -2, -3}, {7, 8, 9}}, &o, &b};
    int scale = 10;
    int r = area(&a, 'T', &scale) + area(&b, 'S', &scale);
    struct shape *list[2] = {&a, &b};
    struct point points[3] = {{1, 10}, {2, 20}, {3, 30}};
    r += walk(list, points, 3);
    printf("%d\n", r);
    return 0;
}
