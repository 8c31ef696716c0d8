/*
 * The user-space target of bpf4j-linux's attach tests (built by build.sh with gcc, committed as
 * 'target'). Modes:
 *   target probe N          calls bpf4j_add(i, 100) for i in 0..N-1 and fires the USDT probe
 *                           bpf4j:tick(i, sum) when its semaphore is set; prints
 *                           "calls N fired F sum S"
 *   target udp ADDR PORT N  sends N UDP datagrams to ADDR:PORT (IPv4 or IPv6) with sendto (an
 *                           unconnected socket, so that ICMP errors do not fail later sends);
 *                           prints "sent N"
 *   target self ADDR N      binds a UDP socket to ADDR (a local address), connects it to itself,
 *                           sends N datagrams and receives them; prints "sent N received M"
 */
#define _SDT_HAS_SEMAPHORES 1
#include <sys/sdt.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

unsigned short bpf4j_tick_semaphore __attribute__((section(".probes"))) __attribute__((used));

__attribute__((noinline)) int bpf4j_add(int a, int b) {
    __asm__ volatile("" ::: "memory");
    return a + b;
}

__attribute__((noinline)) int bpf4j_sub(int a, int b) {
    __asm__ volatile("" ::: "memory");
    return a - b;
}

static int probe(int n) {
    long sum = 0;
    int fired = 0;
    for (int i = 0; i < n; i++) {
        sum += bpf4j_add(i, 100);
        sum += bpf4j_sub(i, 1);
        if (__builtin_expect(bpf4j_tick_semaphore, 0)) {
            fired++;
            STAP_PROBE2(bpf4j, tick, i, sum);
        }
    }
    printf("calls %d fired %d sum %ld\n", n, fired, sum);
    return 0;
}

static int udp(const char *addr, int port, int n) {
    struct sockaddr_storage ss;
    socklen_t len;
    memset(&ss, 0, sizeof(ss));
    struct sockaddr_in *v4 = (struct sockaddr_in *) &ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *) &ss;
    if (inet_pton(AF_INET, addr, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
        len = sizeof(*v4);
    } else if (inet_pton(AF_INET6, addr, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(port);
        len = sizeof(*v6);
    } else {
        fprintf(stderr, "target: not an address: %s\n", addr);
        return 2;
    }
    int fd = socket(ss.ss_family, SOCK_DGRAM, 0);
    if (fd < 0) {
        perror("target: socket");
        return 1;
    }
    int sent = 0;
    for (int i = 0; i < n; i++) {
        char msg[32];
        int m = snprintf(msg, sizeof(msg), "bpf4j %d", i);
        if (sendto(fd, msg, m, 0, (struct sockaddr *) &ss, len) == m)
            sent++;
    }
    close(fd);
    printf("sent %d\n", sent);
    return 0;
}

static int self(const char *addr, int n) {
    struct sockaddr_storage ss;
    socklen_t len;
    memset(&ss, 0, sizeof(ss));
    struct sockaddr_in *v4 = (struct sockaddr_in *) &ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *) &ss;
    if (inet_pton(AF_INET, addr, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        len = sizeof(*v4);
    } else if (inet_pton(AF_INET6, addr, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        len = sizeof(*v6);
    } else {
        fprintf(stderr, "target: not an address: %s\n", addr);
        return 2;
    }
    int fd = socket(ss.ss_family, SOCK_DGRAM, 0);
    struct timeval tv = {.tv_sec = 2};
    if (fd < 0 || bind(fd, (struct sockaddr *) &ss, len) < 0 || getsockname(fd, (struct sockaddr *) &ss, &len) < 0
        || connect(fd, (struct sockaddr *) &ss, len) < 0
        || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0) {
        perror("target: socket/bind/connect");
        return 1;
    }
    int sent = 0, received = 0;
    char buf[64];
    for (int i = 0; i < n; i++) {
        if (send(fd, "bpf4j", 5, 0) == 5)
            sent++;
    }
    for (int i = 0; i < sent; i++) {
        if (recv(fd, buf, sizeof(buf), 0) > 0)
            received++;
    }
    close(fd);
    printf("sent %d received %d\n", sent, received);
    return 0;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc == 3 && strcmp(argv[1], "probe") == 0)
        return probe(atoi(argv[2]));
    if (argc == 5 && strcmp(argv[1], "udp") == 0)
        return udp(argv[2], atoi(argv[3]), atoi(argv[4]));
    if (argc == 4 && strcmp(argv[1], "self") == 0)
        return self(argv[2], atoi(argv[3]));
    fprintf(stderr, "usage: target probe N | target udp ADDR PORT N | target self ADDR N\n");
    return 2;
}
