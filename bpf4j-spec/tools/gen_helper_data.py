#!/usr/bin/env python3
"""Regenerates helpers.tsv, helper-variants.tsv and helper-availability.tsv of bpf4j-spec from a
Linux kernel source tree (the facts: helper ids, bpf_func_proto definitions, get_func_proto()
functions). Written for bpf4j; it reads the kernel sources and writes bpf4j's own data format.

    python3 tools/gen_helper_data.py /path/to/linux-6.12 src/main/resources/org/bpf4j/spec

A Debian machine has the sources in the linux-source-6.12 package (/usr/src/linux-source-6.12.tar.xz).
The tables below (type names, BTF ids, flag lists, the general prototype of helpers with several,
conditions) are kept by hand; the script fails loudly on a kernel construct it does not know.
Review the diff of the data files after a run; the Java tests check the result.
"""
import collections
import os
import re
import sys

if len(sys.argv) != 3:
    sys.exit(__doc__)
root, out_dir = sys.argv[1], sys.argv[2]


def c_files_containing(needle):
    found = []
    for d, _, names in os.walk(root):
        for n in names:
            if n.endswith('.c'):
                p = os.path.join(d, n)
                with open(p, errors='replace') as fh:
                    if needle in fh.read():
                        found.append(p)
    return sorted(found)


# ---- 1. every struct bpf_func_proto definition: symbol -> {field: value}
files=c_files_containing('struct bpf_func_proto')
protos={}
pat=re.compile(r'(?:static\s+)?(?:const\s+)?struct bpf_func_proto\s+(\w+)\s*=\s*\{(.*?)\n\};',re.S)
for f in files:
    src=open(f,errors='replace').read()
    for m in pat.finditer(src):
        name,body=m.group(1),m.group(2)
        d={'file':os.path.relpath(f,root)}
        for fm in re.finditer(r'\.(\w+)\s*=\s*([^,\n]+(?:\n\s*\|[^,\n]+)*),?',body):
            d[fm.group(1)]=re.sub(r'\s+',' ',fm.group(2)).strip()
        protos[name]=d

# ---- 2. the get_func_proto() functions as groups
special={'bpf_get_trace_printk_proto':'bpf_trace_printk_proto','bpf_get_probe_write_proto':'bpf_probe_write_user_proto',
         'bpf_get_trace_vprintk_proto':'bpf_trace_vprintk_proto'}
hdr=open(root+'/include/uapi/linux/bpf.h').read()
helpers=[(int(i),n) for n,i in re.findall(r'FN\((\w+), (\d+), ##ctx\)',hdr)]
assert [i for i,_ in helpers]==list(range(len(helpers)))
hname={n for _,n in helpers}
# ---------- parse func_proto functions
files=[f for f in c_files_containing('func_proto(') if re.search(r'func_proto\(enum bpf_func_id func_id',open(f,errors='replace').read())]
sigre=re.compile(r'\n(?:static\s+)?const\s+struct\s+bpf_func_proto\s*\*\s*(__weak\s*)?\n?\s*(\w+)\s*\(\s*enum\s+bpf_func_id\s+func_id\s*,[^)]*\)\s*\{',re.S)
tokre=re.compile(r'case\s+(BPF_FUNC_\w+)\s*:|(default)\s*:|(\w*func_proto)\s*\(\s*func_id|&(\w+_proto\w*)|(bpf_get_\w+_proto)\s*\(\s*(func_id)?\s*\)|(return\s+NULL)|(switch\s*\(\s*func_id\s*\)\s*\{)|([{}])|(bpf_token_capable\([^;]*?(CAP_\w+))|(\breturn\b)|(\bNULL\b|\?|\bif\b)')
funcs={}
for f in files:
    src=open(f,errors='replace').read()
    for m in sigre.finditer(src):
        weak,name=m.group(1),m.group(2)
        if weak: continue
        start=m.end(); depth=1; i=start
        while depth:
            c=src[i]; depth+= (c=='{')-(c=='}'); i+=1
        body=src[start:i-1]
        stack=['fn']; groups=[]; cur=None; closed=True; includes=[]; tier=None
        for t in tokre.finditer(body):
            case,dflt,call,ref,sp,spf,null,sw,br,cap,capn,ret,cnd=t.groups()
            if cnd:
                if cur is not None and 'sw' in stack: cur['cnd']=True; cur['null']=cur['null'] or cnd=='NULL'
                continue
            if sw: stack.append('sw'); continue
            if br=='{': stack.append('blk'); continue
            if br=='}': stack.pop(); continue
            inner=stack[-1]
            if cap:
                if stack==['fn']: tier=capn
                elif cur is not None: cur['cond'].append('cap='+capn)
                continue
            if case and inner=='sw':
                if closed: cur={'labels':[],'protos':[],'null':False,'calls':[],'cond':[]+(['cap='+tier] if tier else []),'start':t.start()}; groups.append(cur); closed=False
                cur['labels'].append(case[9:]); continue
            if dflt and inner=='sw':
                cur={'labels':['*'],'protos':[],'null':False,'calls':[],'cond':[],'start':t.start()}; groups.append(cur); closed=False; continue
            if case or dflt: continue
            closed=True
            if ret: continue
            tgt=cur if (cur is not None and 'sw' in stack) else None
            if call: (tgt['calls'] if tgt else includes).append(call)
            elif ref and ref in protos:
                if tgt: tgt['protos'].append(ref)
            elif sp:
                if tgt:
                    if spf:
                        for l in tgt['labels']: tgt['protos'].append('bpf_%s_proto'%l)
                    else: tgt['protos'].append(special[sp])
            elif null:
                if tgt: tgt['null']=True
        for a,b in zip(groups,groups[1:]+[None]):
            a['text']=body[a['start']:(b['start'] if b else len(body))]
        assert name not in funcs, name
        funcs[name]={'file':os.path.relpath(f,root),'groups':groups,'includes':includes}
funcs['bpf_iter_get_func_proto']['includes']=[]
funcs['bpf_iter_get_func_proto']['groups']=[{'labels':['*'],'protos':[],'null':False,'calls':['bpf_iter_tcp_get_func_proto','bpf_iter_unix_get_func_proto'],'cond':[]}]
# sk_base: skc_to_* need CAP_PERFMON (checked after the switch)
for g in funcs['bpf_sk_base_func_proto']['groups']:
    if g['labels'][0].startswith('skc_to_'): g['cond'].append('cap=CAP_PERFMON')

# ---- 3. the data files
ARG={
 'ARG_ANYTHING':'ANYTHING','ARG_SCALAR':'SCALAR','ARG_CONST_MAP_PTR':'CONST_MAP_PTR','ARG_PTR_TO_MAP_KEY':'PTR_TO_MAP_KEY',
 'ARG_PTR_TO_MAP_VALUE':'PTR_TO_MAP_VALUE','ARG_PTR_TO_MAP_VALUE | MEM_UNINIT | MEM_WRITE':'PTR_TO_UNINIT_MAP_VALUE',
 'ARG_PTR_TO_MAP_VALUE_OR_NULL':'PTR_TO_MAP_VALUE_OR_NULL',
 'ARG_PTR_TO_MEM | MEM_RDONLY':'PTR_TO_MEM','ARG_PTR_TO_MEM | PTR_MAYBE_NULL | MEM_RDONLY':'PTR_TO_MEM_OR_NULL',
 'ARG_PTR_TO_MEM':'PTR_TO_WRITABLE_MEM','ARG_PTR_TO_MEM | MEM_WRITE':'PTR_TO_WRITABLE_MEM','ARG_PTR_TO_MEM_OR_NULL':'PTR_TO_WRITABLE_MEM_OR_NULL',
 'ARG_PTR_TO_UNINIT_MEM':'PTR_TO_UNINIT_MEM','ARG_PTR_TO_FIXED_SIZE_MEM':'PTR_TO_FIXED_SIZE_MEM',
 'ARG_PTR_TO_FIXED_SIZE_MEM | MEM_UNINIT | MEM_WRITE | MEM_ALIGNED':'PTR_TO_LONG',
 'ARG_PTR_TO_FIXED_SIZE_MEM | MEM_WRITE | MEM_ALIGNED':'PTR_TO_INT',
 'ARG_CONST_SIZE':'CONST_SIZE','ARG_CONST_SIZE_OR_ZERO':'CONST_SIZE_OR_ZERO','ARG_CONST_ALLOC_SIZE_OR_ZERO':'CONST_ALLOC_SIZE_OR_ZERO',
 'ARG_PTR_TO_CTX':'PTR_TO_CTX','ARG_PTR_TO_CTX_OR_NULL':'PTR_TO_CTX_OR_NULL','ARG_PTR_TO_STACK_OR_NULL':'PTR_TO_STACK_OR_NULL',
 'ARG_PTR_TO_SOCKET_OR_NULL':'PTR_TO_SOCKET_OR_NULL','ARG_PTR_TO_SOCK_COMMON':'PTR_TO_SOCK_COMMON',
 'ARG_PTR_TO_BTF_ID':'PTR_TO_BTF_ID','ARG_PTR_TO_BTF_ID_OR_NULL':'PTR_TO_BTF_ID_OR_NULL','ARG_PTR_TO_BTF_ID_OR_NULL | OBJ_RELEASE':'PTR_TO_BTF_ID_OR_NULL',
 'ARG_PTR_TO_BTF_ID_SOCK_COMMON':'PTR_TO_BTF_ID_SOCK_COMMON','ARG_PTR_TO_BTF_ID_SOCK_COMMON | OBJ_RELEASE':'PTR_TO_BTF_ID_SOCK_COMMON',
 'ARG_PTR_TO_BTF_ID_SOCK_COMMON | PTR_MAYBE_NULL':'PTR_TO_BTF_ID_SOCK_COMMON_OR_NULL','ARG_PTR_TO_PERCPU_BTF_ID':'PTR_TO_PERCPU_BTF_ID',
 'ARG_PTR_TO_SPIN_LOCK':'PTR_TO_SPIN_LOCK','ARG_PTR_TO_TIMER':'PTR_TO_TIMER','ARG_PTR_TO_FUNC':'PTR_TO_FUNC','ARG_PTR_TO_CONST_STR':'PTR_TO_CONST_STR',
 'ARG_PTR_TO_RINGBUF_MEM | OBJ_RELEASE':'PTR_TO_RINGBUF_MEM','ARG_KPTR_XCHG_DEST':'PTR_TO_KPTR',
 'ARG_PTR_TO_DYNPTR | MEM_RDONLY':'PTR_TO_DYNPTR','ARG_PTR_TO_DYNPTR | DYNPTR_TYPE_LOCAL | MEM_UNINIT | MEM_WRITE':'PTR_TO_UNINIT_DYNPTR_LOCAL',
 'ARG_PTR_TO_DYNPTR | DYNPTR_TYPE_RINGBUF | MEM_UNINIT | MEM_WRITE':'PTR_TO_UNINIT_DYNPTR_RINGBUF','ARG_PTR_TO_DYNPTR | DYNPTR_TYPE_RINGBUF | OBJ_RELEASE':'PTR_TO_DYNPTR_RINGBUF',
}
RET={'RET_INTEGER':'INTEGER','RET_VOID':'VOID','RET_PTR_TO_MAP_VALUE':'PTR_TO_MAP_VALUE','RET_PTR_TO_MAP_VALUE_OR_NULL':'PTR_TO_MAP_VALUE_OR_NULL',
 'RET_PTR_TO_SOCKET_OR_NULL':'PTR_TO_SOCKET_OR_NULL','RET_PTR_TO_TCP_SOCK_OR_NULL':'PTR_TO_TCP_SOCK_OR_NULL','RET_PTR_TO_SOCK_COMMON_OR_NULL':'PTR_TO_SOCK_COMMON_OR_NULL',
 'RET_PTR_TO_RINGBUF_MEM_OR_NULL':'PTR_TO_RINGBUF_MEM_OR_NULL','RET_PTR_TO_DYNPTR_MEM_OR_NULL':'PTR_TO_DYNPTR_MEM_OR_NULL',
 'RET_PTR_TO_BTF_ID':'PTR_TO_BTF_ID','RET_PTR_TO_BTF_ID_OR_NULL':'PTR_TO_BTF_ID_OR_NULL','RET_PTR_TO_BTF_ID_TRUSTED':'PTR_TO_BTF_ID_TRUSTED',
 'RET_PTR_TO_MEM_OR_BTF_ID | MEM_RDONLY':'PTR_TO_MEM_OR_BTF_ID','RET_PTR_TO_MEM_OR_BTF_ID | PTR_MAYBE_NULL | MEM_RDONLY':'PTR_TO_MEM_OR_BTF_ID_OR_NULL'}
BTF={'&bpf_xdp_get_buff_len_bpf_ids[0]':'xdp_buff','&bpf_skb_output_btf_ids[0]':'sk_buff','&bpf_xdp_output_btf_ids[0]':'xdp_buff',
 '&btf_sock_ids[BTF_SOCK_TYPE_TCP6]':'tcp6_sock','&btf_sock_ids[BTF_SOCK_TYPE_TCP]':'tcp_sock','&btf_sock_ids[BTF_SOCK_TYPE_TCP_TW]':'tcp_timewait_sock',
 '&btf_sock_ids[BTF_SOCK_TYPE_TCP_REQ]':'tcp_request_sock','&btf_sock_ids[BTF_SOCK_TYPE_UDP6]':'udp6_sock','&btf_sock_ids[BTF_SOCK_TYPE_UNIX]':'unix_sock',
 '&btf_sock_ids[BTF_SOCK_TYPE_MPTCP]':'mptcp_sock','&btf_sock_ids[BTF_SOCK_TYPE_SOCK_COMMON]':'sock_common','&bpf_sock_from_file_btf_ids[0]':'socket',
 '&bpf_sock_from_file_btf_ids[1]':'file','&tcp_sock_id':'tcp_sock','&btf_seq_file_ids[0]':'seq_file','&btf_tracing_ids[BTF_TRACING_TYPE_TASK]':'task_struct',
 '&bpf_task_pt_regs_ids[0]':'pt_regs','&bpf_d_path_btf_ids[0]':'path','&bpf_inode_storage_btf_ids[0]':'inode','&bpf_cgroup_btf_id[0]':'cgroup',
 '&bpf_bprm_opts_set_btf_ids[0]':'linux_binprm','&bpf_ima_inode_hash_btf_ids[0]':'inode','&bpf_ima_file_hash_btf_ids[0]':'file',
 'BPF_PTR_POISON':None}
SIZE={'sizeof(u32)':4,'sizeof(u64)':8,'sizeof(s64)':8,'sizeof(struct iphdr)':20,'sizeof(struct ipv6hdr)':40,'sizeof(struct tcphdr)':20}
PKT={'clone_redirect','l3_csum_replace','l4_csum_replace','lwt_push_encap','lwt_seg6_action','lwt_seg6_adjust_srh','lwt_seg6_store_bytes','msg_pop_data','msg_pull_data','msg_push_data','skb_adjust_room','skb_change_head','skb_change_proto','skb_change_tail','skb_pull_data','skb_store_bytes','skb_vlan_pop','skb_vlan_push','store_hdr_opt','xdp_adjust_head','xdp_adjust_meta','xdp_adjust_tail','tail_call'}
ACQ={'sk_lookup_tcp','sk_lookup_udp','skc_lookup_tcp','ringbuf_reserve','kptr_xchg','ringbuf_reserve_dynptr'}
CAST={'tcp_sock','sk_fullsock','skc_to_tcp_sock','skc_to_tcp6_sock','skc_to_udp6_sock','skc_to_mptcp_sock','skc_to_tcp_timewait_sock','skc_to_tcp_request_sock'}
CB={'for_each_map_elem','find_vma','loop','user_ringbuf_drain'}
ACB={'timer_set_callback'}
def row(helper,pname):
    p=protos[pname]
    ret=p.get('ret_type','RET_INTEGER'); rt=RET[ret]
    rb=BTF.get(p.get('ret_btf_id'))
    if rb: rt+=':'+rb
    args=[]; rel=None
    for i in range(1,6):
        a=p.get(f'arg{i}_type')
        if a is None: break
        if a=='ARG_DONTCARE': break
        t=ARG[a]
        if 'OBJ_RELEASE' in a: rel=i
        b=BTF.get(p.get(f'arg{i}_btf_id'))
        if b: t+=':'+b
        s=p.get(f'arg{i}_size')
        if s:
            sz=SIZE[s]
            if t=='PTR_TO_LONG': assert sz==8
            elif t=='PTR_TO_INT': assert sz==4
            else: t+=':%d'%sz
        args.append(t)
    fl=[]
    if p.get('gpl_only')=='true': fl.append('gpl')
    if helper in PKT: fl.append('pkt_data')
    if p.get('pkt_access')=='true': fl.append('pkt_access')
    if helper in ACQ: fl.append('acquire')
    if rel: fl.append('release=%d'%rel)
    if helper in CAST: fl.append('cast')
    if helper in CB: fl.append('callback')
    if helper in ACB: fl.append('async_callback')
    if p.get('might_sleep')=='true': fl.append('sleepable')
    if p.get('allow_fastcall')=='true': fl.append('fastcall')
    if p.get('allowed'): fl.append('attach_restricted')
    return [rt, ','.join(args) or '-', ','.join(fl) or '-', pname]
GENERAL={'probe_read':'bpf_probe_read_compat_proto','probe_read_str':'bpf_probe_read_compat_str_proto','setsockopt':'bpf_sk_setsockopt_proto',
 'getsockopt':'bpf_sk_getsockopt_proto','fib_lookup':'bpf_skb_fib_lookup_proto','lwt_push_encap':'bpf_lwt_in_push_encap_proto',
 'get_netns_cookie':'bpf_get_netns_cookie_sock_proto','check_mtu':'bpf_skb_check_mtu_proto','get_func_ip':'bpf_get_func_ip_proto_tracing',
 'redirect_map':'bpf_xdp_redirect_map_proto','rc_repeat':'rc_repeat_proto','rc_keydown':'rc_keydown_proto','rc_pointer_rel':'rc_pointer_rel_proto',
 'sk_select_reuseport':'sk_select_reuseport_proto','load_hdr_opt':'bpf_sock_ops_load_hdr_opt_proto','store_hdr_opt':'bpf_sock_ops_store_hdr_opt_proto',
 'reserve_hdr_opt':'bpf_sock_ops_reserve_hdr_opt_proto','get_attach_cookie':'bpf_get_attach_cookie_proto_trace'}
NOTES={'probe_read':'only where kernel and user address spaces do not overlap (x86-64 yes)','perf_event_output':'per-type protos differ in arg1 (ctx or BTF id)',
 'setsockopt':'sock_addr and sock_ops use their own ctx-based protos','getsockopt':'sock_addr and sock_ops use their own ctx-based protos',
 'get_socket_cookie':'tracing passes a BTF sock_common pointer instead of ctx','sk_storage_get':'tracing passes a BTF sock_common pointer',
 'sk_storage_delete':'tracing passes a BTF sock_common pointer','get_attach_cookie':'one proto per program kind (kprobe, multi, pe, tracing)',
 'xdp_get_buff_len':'tracing takes a BTF xdp_buff pointer','get_func_ip':'kprobe, kprobe.multi and uprobe.multi have their own protos',
 'get_netns_cookie':'sockopt programs use a ctx-only proto','fib_lookup':'xdp has its own proto of the same shape',
 'check_mtu':'xdp has its own proto of the same shape','lwt_push_encap':'lwt_xmit has its own proto of the same shape',
 'get_stack':'sleepable programs and tp/pe/raw_tp have their own protos','get_stackid':'tp/pe/raw_tp have their own protos',
 'tail_call':'listed as packet-changing: a tail-called program may change packet data'}
# general proto per helper
gen={}
for i,n in helpers:
    if i==0: continue
    cand='bpf_%s_proto'%n
    gen[n]=GENERAL.get(n) or (cand if cand in protos else None)
    assert gen[n] in protos,(n,gen[n])
out=['# bpf4j helper catalog: one line per BPF helper id (Linux UAPI enum bpf_func_id, 0..211, frozen since Linux 6.2).',
 '# Written for bpf4j from the kernel facts: ids and names from include/uapi/linux/bpf.h, prototypes from the',
 '# struct bpf_func_proto definitions of Linux 6.12 (kernel/bpf, kernel/trace, net/core, ...).',
 '# Where a helper has several protos (one per program type), this file holds the general one;',
 '# helper-variants.tsv holds the others and helper-availability.tsv says which program type gets which.',
 '#',
 '# columns (tab-separated):',
 '#   id      helper id',
 '#   name    helper name without the bpf_ prefix',
 '#   ret     ReturnType constant; ":<struct>" names the BTF type of a BTF-id pointer',
 '#   args    comma-separated ArgType constants, "-" for none; ":<struct>" names a BTF type, ":<n>" a fixed size in bytes',
 '#   flags   comma-separated, "-" for none: gpl (GPL-only), pkt_data (changes packet data), pkt_access (may read',
 '#           packet pointers), acquire (returns a referenced object), release=N (releases the object in arg N),',
 '#           cast (socket pointer cast), callback / async_callback (calls a BPF callback), sleepable (might sleep),',
 '#           fastcall (preserves caller-saved registers), attach_restricted (only some attach targets),',
 '#           reserved (id 0: not a helper)',
 '#   proto   the kernel prototype symbol this line was taken from',
 '#   note    optional free text',
 '#',
 '# id\tname\tret\targs\tflags\tproto\tnote',
 '0\tunspec\tVOID\t-\treserved\t-\tid 0 (BPF_FUNC_unspec) is reserved; the kernel has no prototype and rejects the call']
for i,n in helpers:
    if i==0: continue
    r=row(n,gen[n])
    out.append('\t'.join([str(i),n]+r+([NOTES[n]] if n in NOTES else [])))
open(os.path.join(out_dir,'helpers.tsv'),'w').write('\n'.join(out)+'\n')
# ---- availability
ROOTS=[('SOCKET_FILTER','sk_filter'),('KPROBE','kprobe_prog'),('SCHED_CLS','tc_cls_act'),('SCHED_ACT','tc_cls_act'),('TRACEPOINT','tp_prog'),
 ('XDP','xdp'),('PERF_EVENT','pe_prog'),('CGROUP_SKB','cg_skb'),('CGROUP_SOCK','sock_filter'),('LWT_IN','lwt_in'),('LWT_OUT','lwt_out'),
 ('LWT_XMIT','lwt_xmit'),('SOCK_OPS','sock_ops'),('SK_SKB','sk_skb'),('CGROUP_DEVICE','cgroup_dev'),('SK_MSG','sk_msg'),
 ('RAW_TRACEPOINT','raw_tp_prog'),('CGROUP_SOCK_ADDR','sock_addr'),('LWT_SEG6LOCAL','lwt_seg6local'),('LIRC_MODE2','lirc_mode2'),
 ('SK_REUSEPORT','sk_reuseport'),('FLOW_DISSECTOR','flow_dissector'),('CGROUP_SYSCTL','sysctl'),('RAW_TRACEPOINT_WRITABLE','raw_tp_prog'),
 ('CGROUP_SOCKOPT','cg_sockopt'),('TRACING','tracing_prog'),('STRUCT_OPS','struct_ops'),('EXT','extension'),('LSM','bpf_lsm'),
 ('SK_LOOKUP','sk_lookup'),('SYSCALL','syscall_prog'),('NETFILTER','bpf_nf')]
def gname(fn):
    return re.sub(r'(_get)?_func_proto$','',fn) if fn!='bpf_iter_get_func_proto' else 'bpf_iter'
COND={('sock_addr','bind'):'attach=cgroup_inet4_connect|cgroup_inet6_connect',
 ('sock_addr','setsockopt'):'not for attach cgroup_unix_getpeername|cgroup_unix_getsockname',
 ('sock_addr','getsockopt'):'not for attach cgroup_unix_getpeername|cgroup_unix_getsockname',
 ('cgroup_common','get_retval'):'not for attach cgroup_inet_ingress|cgroup_inet_egress|cgroup_sock_ops|*recvmsg|*getpeername|*getsockname',
 ('cgroup_common','set_retval'):'not for attach cgroup_inet_ingress|cgroup_inet_egress|cgroup_sock_ops|*recvmsg|*getpeername|*getsockname',
 ('bpf_tcp_ca','setsockopt'):'not from the release() callback',('bpf_tcp_ca','getsockopt'):'not from the release() callback',
 ('bpf_tracing','probe_write_user'):'not under kernel lockdown (integrity)',
 ('bpf_tracing','probe_read_kernel'):'not under kernel lockdown (confidentiality)',('bpf_tracing','probe_read_kernel_str'):'not under kernel lockdown (confidentiality)',
 ('bpf_tracing','probe_read'):'not under kernel lockdown (confidentiality); needs non-overlapping address spaces',
 ('bpf_tracing','probe_read_str'):'not under kernel lockdown (confidentiality); needs non-overlapping address spaces',
 ('bpf_tracing','get_task_stack'):'sleepable programs get bpf_get_task_stack_sleepable_proto',
 ('bpf_tracing','task_storage_get'):'programs that may recurse get bpf_task_storage_get_recur_proto',
 ('bpf_tracing','task_storage_delete'):'programs that may recurse get bpf_task_storage_delete_recur_proto',
 ('kprobe_prog','get_stack'):'sleepable programs get bpf_get_stack_sleepable_proto',
 ('kprobe_prog','get_func_ip'):'kprobe.multi/session and uprobe.multi attach get their own protos',
 ('kprobe_prog','get_attach_cookie'):'kprobe.multi/session and uprobe.multi attach get their own protos',
 ('kprobe_prog','override_return'):'needs CONFIG_BPF_KPROBE_OVERRIDE',
 ('tracing_prog','seq_printf'):'attach=trace_iter',('tracing_prog','seq_write'):'attach=trace_iter',('tracing_prog','seq_printf_btf'):'attach=trace_iter',
 ('tracing_prog','get_func_arg'):'trampoline attach only (fentry, fexit, fmod_ret, lsm)',('tracing_prog','get_func_ret'):'trampoline attach only (fentry, fexit, fmod_ret, lsm)',
 ('tracing_prog','get_func_arg_cnt'):'trampoline attach only (fentry, fexit, fmod_ret, lsm)',('tracing_prog','get_attach_cookie'):'trampoline or tp_btf attach only',
 ('bpf_lsm','get_attach_cookie'):'trampoline attach only',('bpf_lsm','setsockopt'):'attach=lsm_cgroup on socket-option-safe hooks',
 ('bpf_lsm','getsockopt'):'attach=lsm_cgroup on socket-option-safe hooks',
 ('cg_sockopt','setsockopt'):'attach=cgroup_setsockopt',('cg_sockopt','getsockopt'):'attach=cgroup_setsockopt',
 ('bpf_base','probe_read_kernel'):'cap=CAP_PERFMON; not under kernel lockdown (confidentiality)',
 ('bpf_base','probe_read_kernel_str'):'cap=CAP_PERFMON; not under kernel lockdown (confidentiality)'}
PREF={'bpf_lsm':{'setsockopt':'bpf_sk_setsockopt_proto','getsockopt':'bpf_sk_getsockopt_proto'}}
used_variants=set()
av=['# bpf4j helper availability per program type, written for bpf4j from the get_func_proto() functions of Linux 6.12.',
 '# Each kernel function becomes a group: its own cases, the groups it consults first (include=) and the groups',
 '# it falls back to (fallback=). A helper resolves in a group by: includes in order, then the group\'s own line',
 '# (which may say deny), then fallbacks in order; the first answer wins.',
 '#',
 '#   @group <name> [include=a,b] [fallback=c,d]     starts a group (kernel function <name>_func_proto)',
 '#   <helper>\\t<proto>\\t<condition>                 helper resolved to that kernel proto; "deny" = explicit NULL',
 '#   @program <PROGRAM_TYPE> <group|*|->            root group of a program type; * = every helper, - = none',
 '#',
 '# Conditions are informative: the catalog answers for a fully privileged loader (CAP_BPF, CAP_PERFMON,',
 '# CAP_NET_ADMIN, no lockdown) and ignores attach-type conditions, so it can over-approximate.']
order=['bpf_base_func_proto','bpf_sk_base_func_proto','cgroup_common_func_proto','cgroup_current_func_proto']
names=order+sorted(k for k in funcs if k not in order)
for fn in names:
    v=funcs[fn]; g=gname(fn)
    inc=[gname(x) for x in v['includes']]
    fb=[]; own=[]
    for grp in v['groups']:
        if grp['labels']==['*']:
            fb+= [gname(x) for x in grp['calls']]; continue
        for l in grp['labels']:
            ps=[]; [ps.append(x) for x in grp['protos'] if x not in ps]
            if not ps: own.append((l,'deny','')); continue
            pick=PREF.get(g,{}).get(l) or (gen.get(l) if gen.get(l) in ps else ps[-1])
            if pick!=gen.get(l): used_variants.add((l,pick))
            cond=COND.get((g,l)) or '; '.join(grp['cond'])
            if len(ps)>1 and (g,l) not in COND: cond=(cond+'; ' if cond else '')+'conditional: '+', '.join(ps)
            own.append((l,pick,cond))
    hdr='@group '+g+(' include='+','.join(inc) if inc else '')+(' fallback='+','.join(fb) if fb else '')
    av.append(''); av.append('# '+fn+' ('+v['file']+')'+('  [cgroup_common is consulted only for attach=lsm_cgroup]' if g=='bpf_lsm' else '')+('  [bpf_iter is consulted only for attach=trace_iter]' if g=='tracing_prog' else ''))
    av.append(hdr)
    for l,p,c in own: av.append('\t'.join([l,p]+([c] if c else [])))
av.append('')
av.append('# STRUCT_OPS: each struct_ops kind has its own verifier ops; this group is the union of tcp_congestion_ops and sched_ext_ops (approximate)')
av.append('@group struct_ops fallback=bpf_tcp_ca,bpf_scx')
av.append('')
av.append('# program types (EXT takes the helpers of the program it replaces, so every helper is admitted; UNSPEC has none)')
av.append('@program UNSPEC -')
for pt,g in ROOTS:
    av.append('@program %s %s'%(pt, '*' if g=='extension' else g))
open(os.path.join(out_dir,'helper-availability.tsv'),'w').write('\n'.join(av)+'\n')
var=['# bpf4j helper prototype variants: kernel protos other than the general one in helpers.tsv that some program',
 '# types get for the same helper id (see helper-availability.tsv). Same columns as helpers.tsv minus id.',
 '# name\tret\targs\tflags\tproto']
for l,p in sorted(used_variants, key=lambda x:(x[0],x[1])):
    var.append('\t'.join([l]+row(l,p)))
open(os.path.join(out_dir,'helper-variants.tsv'),'w').write('\n'.join(var)+'\n')
print('helpers:',len(helpers),'variants:',len(used_variants),'groups:',len(funcs))
