/*
 * The VM's target BTF for CO-RE: the UAPI types the VM gives programs (every context struct of
 * the catalog's context layouts, the structs helpers take) and the UAPI enums programs ask about
 * with bpf_core_enum_value / bpf_core_type_exists. bpf4j's VmObject resolves CO-RE relocations
 * against this BTF first, as libbpf resolves them against the kernel's.
 *
 * build-target-btf.sh compiles this file with clang against the running kernel's types
 * (vmlinux.h, dumped from /sys/kernel/btf/vmlinux: the UAPI structs as that kernel has them) and
 * keeps only its .BTF section, as ../resources/org/bpf4j/vm/vm-target.btf. Each type is named
 * once, through an unused global. struct pt_regs is the kernel's (the registers under their kernel
 * names, at the UAPI offsets), as CO-RE programs built against vmlinux.h see it.
 */
#include "vmlinux.h"

#define KEEP(type, name) type name __attribute__((used))

/* Contexts (ContextLayouts). */
KEEP(struct __sk_buff *, vm_sk_buff);
KEEP(struct xdp_md *, vm_xdp_md);
KEEP(struct bpf_sock *, vm_bpf_sock);
KEEP(struct bpf_sock_addr *, vm_bpf_sock_addr);
KEEP(struct bpf_sock_ops *, vm_bpf_sock_ops);
KEEP(struct sk_msg_md *, vm_sk_msg_md);
KEEP(struct sk_reuseport_md *, vm_sk_reuseport_md);
KEEP(struct bpf_sk_lookup *, vm_bpf_sk_lookup);
KEEP(struct bpf_sysctl *, vm_bpf_sysctl);
KEEP(struct bpf_sockopt *, vm_bpf_sockopt);
KEEP(struct bpf_cgroup_dev_ctx *, vm_bpf_cgroup_dev_ctx);
KEEP(struct bpf_perf_event_data *, vm_bpf_perf_event_data);
KEEP(struct bpf_raw_tracepoint_args *, vm_bpf_raw_tracepoint_args);
KEEP(struct bpf_flow_keys *, vm_bpf_flow_keys);
KEEP(struct pt_regs *, vm_pt_regs);

/* Structs that helpers read or fill, and special map value fields. */
KEEP(struct bpf_tunnel_key *, vm_bpf_tunnel_key);
KEEP(struct bpf_xfrm_state *, vm_bpf_xfrm_state);
KEEP(struct bpf_fib_lookup *, vm_bpf_fib_lookup);
KEEP(struct bpf_sock_tuple *, vm_bpf_sock_tuple);
KEEP(struct bpf_tcp_sock *, vm_bpf_tcp_sock);
KEEP(struct bpf_spin_lock *, vm_bpf_spin_lock);
KEEP(struct bpf_timer *, vm_bpf_timer);
KEEP(struct bpf_dynptr *, vm_bpf_dynptr);
KEEP(struct bpf_pidns_info *, vm_bpf_pidns_info);
KEEP(struct bpf_redir_neigh *, vm_bpf_redir_neigh);
KEEP(struct bpf_devmap_val *, vm_bpf_devmap_val);
KEEP(struct bpf_cpumap_val *, vm_bpf_cpumap_val);

/* Enums. */
KEEP(enum xdp_action, vm_xdp_action);
KEEP(enum sk_action, vm_sk_action);
KEEP(enum bpf_ret_code, vm_bpf_ret_code);
KEEP(enum bpf_map_type, vm_bpf_map_type);
KEEP(enum bpf_prog_type, vm_bpf_prog_type);
KEEP(enum bpf_attach_type, vm_bpf_attach_type);
KEEP(enum bpf_func_id, vm_bpf_func_id);
KEEP(enum bpf_adj_room_mode, vm_bpf_adj_room_mode);
KEEP(enum bpf_hdr_start_off, vm_bpf_hdr_start_off);
KEEP(enum bpf_lwt_encap_mode, vm_bpf_lwt_encap_mode);
KEEP(enum bpf_check_mtu_ret, vm_bpf_check_mtu_ret);
KEEP(enum bpf_task_fd_type, vm_bpf_task_fd_type);
