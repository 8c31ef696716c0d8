package org.bpf4j.linux.sys;

import static org.bpf4j.linux.sys.Struct.bytes;
import static org.bpf4j.linux.sys.Struct.skip;
import static org.bpf4j.linux.sys.Struct.u32;
import static org.bpf4j.linux.sys.Struct.u64;

/**
 * The variants of {@code union bpf_attr} that bpf4j uses, and the records the kernel fills in,
 * laid out from {@code include/uapi/linux/bpf.h} (Linux 6.12). {@code LayoutsTest} checks every
 * offset and size against numbers measured from the header with a C compiler
 * ({@code tools/gen_bpf_attr_offsets.c}).
 */
public final class Layouts {
    /** {@code sizeof(union bpf_attr)} in the 6.12 UAPI. */
    public static final int BPF_ATTR_SIZE = 152;

    /** The anonymous struct of {@code BPF_MAP_CREATE}. */
    public static final Struct MAP_CREATE = Struct.of("map_create",
            u32("map_type"), u32("key_size"), u32("value_size"), u32("max_entries"), u32("map_flags"),
            u32("inner_map_fd"), u32("numa_node"), bytes("map_name", 16), u32("map_ifindex"), u32("btf_fd"),
            u32("btf_key_type_id"), u32("btf_value_type_id"), u32("btf_vmlinux_value_type_id"), u64("map_extra"),
            u32("value_type_btf_obj_fd"), u32("map_token_fd"));

    /** The struct of {@code BPF_MAP_*_ELEM} and {@code BPF_MAP_GET_NEXT_KEY} ({@code value} is {@code next_key} there). */
    public static final Struct MAP_ELEM = Struct.of("map_elem",
            u32("map_fd"), u64("key"), u64("value"), u64("flags"));

    /** The {@code batch} struct of {@code BPF_MAP_*_BATCH}. */
    public static final Struct MAP_BATCH = Struct.of("map_batch",
            u64("in_batch"), u64("out_batch"), u64("keys"), u64("values"), u32("count"), u32("map_fd"),
            u64("elem_flags"), u64("flags"));

    /** The anonymous struct of {@code BPF_PROG_LOAD}. */
    public static final Struct PROG_LOAD = Struct.of("prog_load",
            u32("prog_type"), u32("insn_cnt"), u64("insns"), u64("license"), u32("log_level"), u32("log_size"),
            u64("log_buf"), u32("kern_version"), u32("prog_flags"), bytes("prog_name", 16), u32("prog_ifindex"),
            u32("expected_attach_type"), u32("prog_btf_fd"), u32("func_info_rec_size"), u64("func_info"),
            u32("func_info_cnt"), u32("line_info_rec_size"), u64("line_info"), u32("line_info_cnt"),
            u32("attach_btf_id"), u32("attach_prog_fd"), u32("core_relo_cnt"), u64("fd_array"), u64("core_relos"),
            u32("core_relo_rec_size"), u32("log_true_size"), u32("prog_token_fd"));

    /** The struct of {@code BPF_OBJ_PIN} and {@code BPF_OBJ_GET}. */
    public static final Struct OBJ = Struct.of("obj",
            u64("pathname"), u32("bpf_fd"), u32("file_flags"), u32("path_fd"));

    /** The {@code test} struct of {@code BPF_PROG_TEST_RUN}. */
    public static final Struct TEST_RUN = Struct.of("test_run",
            u32("prog_fd"), u32("retval"), u32("data_size_in"), u32("data_size_out"), u64("data_in"),
            u64("data_out"), u32("repeat"), u32("duration"), u32("ctx_size_in"), u32("ctx_size_out"),
            u64("ctx_in"), u64("ctx_out"), u32("flags"), u32("cpu"), u32("batch_size"));

    /** The struct of {@code BPF_*_GET_NEXT_ID} and {@code BPF_*_GET_FD_BY_ID} ({@code start_id} is also {@code prog_id}, {@code map_id}, ...). */
    public static final Struct GET_ID = Struct.of("get_id",
            u32("start_id"), u32("next_id"), u32("open_flags"));

    /** The {@code info} struct of {@code BPF_OBJ_GET_INFO_BY_FD}. */
    public static final Struct OBJ_INFO = Struct.of("obj_info",
            u32("bpf_fd"), u32("info_len"), u64("info"));

    /** The struct of {@code BPF_BTF_LOAD}. */
    public static final Struct BTF_LOAD = Struct.of("btf_load",
            u64("btf"), u64("btf_log_buf"), u32("btf_size"), u32("btf_log_size"), u32("btf_log_level"),
            u32("btf_log_true_size"), u32("btf_flags"), u32("btf_token_fd"));

    /**
     * The {@code link_create} struct of {@code BPF_LINK_CREATE}: the common head, then the
     * per-attach-type union as raw bytes ({@code target_btf_id} and the {@code perf_event}
     * cookie share offset 16).
     */
    public static final Struct LINK_CREATE = Struct.of("link_create",
            u32("prog_fd"), u32("target_fd"), u32("attach_type"), u32("flags"), u64("bpf_cookie"), skip(32));

    /** {@code struct bpf_func_info}. */
    public static final Struct FUNC_INFO = Struct.of("func_info", u32("insn_off"), u32("type_id"));

    /** {@code struct bpf_line_info}. */
    public static final Struct LINE_INFO = Struct.of("line_info",
            u32("insn_off"), u32("file_name_off"), u32("line_off"), u32("line_col"));

    /** {@code struct bpf_prog_info} (6.12). */
    public static final Struct PROG_INFO = Struct.of("prog_info",
            u32("type"), u32("id"), bytes("tag", 8), u32("jited_prog_len"), u32("xlated_prog_len"),
            u64("jited_prog_insns"), u64("xlated_prog_insns"), u64("load_time"), u32("created_by_uid"),
            u32("nr_map_ids"), u64("map_ids"), bytes("name", 16), u32("ifindex"), skip(44), u32("btf_id"), skip(60),
            u64("run_time_ns"), u64("run_cnt"), skip(8), u32("verified_insns"), skip(12));

    /** {@code struct bpf_map_info} (6.12). */
    public static final Struct MAP_INFO = Struct.of("map_info",
            u32("type"), u32("id"), u32("key_size"), u32("value_size"), u32("max_entries"), u32("map_flags"),
            bytes("name", 16), u32("ifindex"), skip(20), u32("btf_id"), u32("btf_key_type_id"),
            u32("btf_value_type_id"), skip(4), u64("map_extra"));

    /** {@code struct bpf_btf_info}. */
    public static final Struct BTF_INFO = Struct.of("btf_info",
            u64("btf"), u32("btf_size"), u32("id"), u64("name"), u32("name_len"), u32("kernel_btf"));

    /** The {@code raw_tracepoint} struct of {@code BPF_RAW_TRACEPOINT_OPEN}. */
    public static final Struct RAW_TRACEPOINT = Struct.of("raw_tracepoint",
            u64("name"), u32("prog_fd"), skip(4), u64("cookie"));

    /** {@code BPF_LINK_CREATE} for {@code BPF_TRACE_UPROBE_MULTI}: the common head and the {@code uprobe_multi} struct. */
    public static final Struct LINK_CREATE_UPROBE_MULTI = Struct.of("link_create_uprobe_multi",
            u32("prog_fd"), u32("target_fd"), u32("attach_type"), u32("flags"), u64("path"), u64("offsets"),
            u64("ref_ctr_offsets"), u64("cookies"), u32("cnt"), u32("uprobe_flags"), u32("pid"));

    /**
     * {@code BPF_LINK_CREATE} for {@code BPF_TRACE_ITER} with link information: the common head,
     * then the {@code iter_info} pointer (to a {@code union bpf_iter_link_info}) and its length.
     */
    public static final Struct LINK_CREATE_ITER = Struct.of("link_create_iter",
            u32("prog_fd"), u32("target_fd"), u32("attach_type"), u32("flags"), u64("iter_info"), u32("iter_info_len"));

    /** The {@code iter_create} struct of {@code BPF_ITER_CREATE}. */
    public static final Struct ITER_CREATE = Struct.of("iter_create", u32("link_fd"), u32("flags"));

    private Layouts() {
    }
}
