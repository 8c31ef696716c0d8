/*
 * Socket-buffer helpers with fixed answers in a test run: bpf_skb_ecn_set_ce (IPv4 and IPv6, ECT
 * or not; the checksum follows), bpf_csum_level (query, increment, decrement, reset, bad levels),
 * bpf_skb_set_tstamp (clock types, a zero time, other protocols) with the tstamp fields it sets,
 * bpf_check_mtu against the loopback device, bpf_get_route_realm and bpf_get_cgroup_classid.
 */
#include "common.h"

RESULTS(32);

#define CSUM_QUERY 0
#define CSUM_INC 1
#define CSUM_DEC 2
#define CSUM_RESET 3

SEC("tc")
int skb_misc(struct __sk_buff *skb)
{
	__u32 mtu = 0;

	put_result(&results, 0, bpf_skb_ecn_set_ce(skb));
	put_result(&results, 1, bpf_csum_level(skb, CSUM_QUERY));
	put_result(&results, 2, bpf_csum_level(skb, CSUM_INC));
	put_result(&results, 3, bpf_csum_level(skb, CSUM_QUERY));
	put_result(&results, 4, bpf_csum_level(skb, CSUM_INC));
	put_result(&results, 5, bpf_csum_level(skb, CSUM_QUERY));
	put_result(&results, 6, bpf_csum_level(skb, CSUM_DEC));
	put_result(&results, 7, bpf_csum_level(skb, CSUM_QUERY));
	put_result(&results, 8, bpf_csum_level(skb, 9));
	put_result(&results, 9, bpf_csum_level(skb, CSUM_RESET));
	put_result(&results, 10, bpf_csum_level(skb, CSUM_QUERY));
	put_result(&results, 11, bpf_skb_set_tstamp(skb, 0, 1));
	put_result(&results, 12, bpf_skb_set_tstamp(skb, 12345, 7));
	put_result(&results, 13, bpf_skb_set_tstamp(skb, 12345, 1));
	put_result(&results, 14, skb->tstamp);
	put_result(&results, 15, skb->tstamp_type);
	put_result(&results, 16, bpf_skb_set_tstamp(skb, 777, 0));
	put_result(&results, 17, skb->tstamp);
	put_result(&results, 18, skb->tstamp_type);
	put_result(&results, 19, bpf_check_mtu(skb, 0, &mtu, 0, 0));
	put_result(&results, 20, mtu);
	mtu = 0;
	put_result(&results, 21, bpf_check_mtu(skb, 1, &mtu, 70000, 0));
	put_result(&results, 22, mtu);
	mtu = 1500;
	put_result(&results, 23, bpf_check_mtu(skb, 1, &mtu, 0, 0));
	mtu = 0;
	put_result(&results, 24, bpf_check_mtu(skb, 999, &mtu, 0, 0));
	put_result(&results, 25, mtu);
	put_result(&results, 26, bpf_check_mtu(skb, 0, &mtu, 0, 4));
	put_result(&results, 27, bpf_check_mtu(skb, 0, &mtu, 0, 1));
	put_result(&results, 28, bpf_get_route_realm(skb));
	put_result(&results, 29, bpf_get_cgroup_classid(skb));
	mtu = 65536 - 14;
	put_result(&results, 30, bpf_check_mtu(skb, 0, &mtu, 15, 0));
	put_result(&results, 31, bpf_check_mtu(skb, 0, &mtu, -65536, 0));
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
