// a header for bpf4j trace -I tests
#define ANSWER 42
#define GREETING "hello"
