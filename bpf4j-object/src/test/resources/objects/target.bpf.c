// Target BTF for the CO-RE tests: the same types as features.bpf.c with another layout, as a
// different kernel (or the VM's context types) would have them. Rebuild with ./build.sh.
struct sample_ctx {
	long pad;
	int second;
	unsigned short other;
	unsigned int wide : 11;
	unsigned int flag : 3;
	int first;
};

enum sample_kind { KIND_B = 9, KIND_A = 1, KIND_C = 3 };

struct sample_ctx target_ctx;
enum sample_kind target_kind;
