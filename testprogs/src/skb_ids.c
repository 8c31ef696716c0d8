/*
 * Identities a test run gives a socket buffer: bpf_get_socket_uid (the test run's socket is
 * created zeroed: uid 0) in a socket filter and bpf_skb_cgroup_classid (no net_cls cgroup) in tc.
 */
#include "common.h"
RESULTS(8);
SEC("socket")
int sock_ids(struct __sk_buff *skb)
{
	put_result(&results, 0, bpf_get_socket_uid(skb));
	return 0;
}
SEC("tc")
int tc_ids(struct __sk_buff *skb)
{
	put_result(&results, 1, bpf_skb_cgroup_classid(skb));
	return 0;
}
char LICENSE[] SEC("license") = "GPL";
