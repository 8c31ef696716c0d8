/*
 * The target of bpf4j trace's watchpoint tests (built by build.sh with gcc, committed as
 * 'watched'). It maps one page at the fixed address 0x10000000 and touches it, so that a
 * watchpoint there has a known address in every run. Modes:
 *   watched write N          writes bytes 0..N-1 to 0x10000000 and 8-byte values to 0x10000008;
 *                            prints "wrote N"
 *   watched read N           reads 0x10000000 N times; prints "read N"
 *   watched exec N           calls the function (a "ret") at 0x10000100 N times; prints "called N"
 *   watched thread MS N      after MS milliseconds starts a thread that writes 0x10000000 N times
 *                            and joins it; prints "thread wrote N"
 *   watched loop MS          prints its pid, then writes 0x10000000 every MS milliseconds until
 *                            killed (for -p); with a second thread doing the same at 0x10000010
 *   watched sleep MS N       sleeps MS milliseconds N times (context switches for a watchpoint on a
 *                            kernel address); prints its pid first
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGE ((uint8_t *) 0x10000000)

static void map_page(int exec) {
    void *p = mmap(PAGE, 4096, PROT_READ | PROT_WRITE | (exec ? PROT_EXEC : 0),
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (p != PAGE) {
        perror("watched: mmap 0x10000000");
        exit(1);
    }
}

static void pause_ms(long ms) {
    usleep(ms * 1000);
}

struct writer {
    long delay_ms;
    int count;
    volatile uint8_t *at;
};

static void *write_loop(void *arg) {
    struct writer *w = arg;
    for (int i = 0; w->count < 0 || i < w->count; i++) {
        *w->at = (uint8_t) i;
        if (w->delay_ms > 0)
            pause_ms(w->delay_ms);
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: watched write|read|exec N | thread MS N | loop MS | sleep MS N\n");
        return 2;
    }
    const char *mode = argv[1];
    int n = atoi(argv[2]);
    if (strcmp(mode, "write") == 0) {
        map_page(0);
        for (int i = 0; i < n; i++) {
            *(volatile uint8_t *) PAGE = (uint8_t) i;
            *(volatile uint64_t *) (PAGE + 8) = (uint64_t) i * 3;
        }
        printf("wrote %d\n", n);
    } else if (strcmp(mode, "read") == 0) {
        map_page(0);
        unsigned sum = 0;
        for (int i = 0; i < n; i++)
            sum += *(volatile uint8_t *) PAGE;
        printf("read %d\n", n + (int) sum);
    } else if (strcmp(mode, "exec") == 0) {
        map_page(1);
        PAGE[0x100] = 0xc3; /* ret */
        void (*f)(void) = (void (*)(void)) (PAGE + 0x100);
        for (int i = 0; i < n; i++)
            f();
        printf("called %d\n", n);
    } else if (strcmp(mode, "thread") == 0 && argc == 4) {
        map_page(0);
        pause_ms(n);
        struct writer w = {0, atoi(argv[3]), PAGE};
        pthread_t t;
        if (pthread_create(&t, NULL, write_loop, &w) != 0 || pthread_join(t, NULL) != 0) {
            fprintf(stderr, "watched: thread failed\n");
            return 1;
        }
        printf("thread wrote %d\n", w.count);
    } else if (strcmp(mode, "loop") == 0) {
        map_page(0);
        struct writer main_w = {n, -1, PAGE};
        struct writer other = {n, -1, PAGE + 0x10};
        pthread_t t;
        if (pthread_create(&t, NULL, write_loop, &other) != 0) {
            fprintf(stderr, "watched: thread failed\n");
            return 1;
        }
        printf("%d\n", (int) getpid());
        fflush(stdout);
        write_loop(&main_w);
    } else if (strcmp(mode, "sleep") == 0 && argc == 4) {
        printf("%d\n", (int) getpid());
        fflush(stdout);
        for (int i = 0; i < atoi(argv[3]); i++)
            pause_ms(n);
    } else {
        fprintf(stderr, "watched: unknown mode %s\n", mode);
        return 2;
    }
    return 0;
}
