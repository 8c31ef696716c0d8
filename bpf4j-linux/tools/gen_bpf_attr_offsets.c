/*
 * Prints the byte offset and size of every field of union bpf_attr (and the info structs) that
 * bpf4j-linux lays out with MemoryLayout, as "layout<TAB>field<TAB>offset<TAB>size" lines.
 * Build and run against the 6.12 UAPI header (a C compiler is needed only to refresh the data):
 *   mkdir -p /tmp/uapi/linux && cp LINUX/include/uapi/linux/{bpf.h,bpf_common.h} /tmp/uapi/linux/
 *   gcc -I/tmp/uapi -o /tmp/gen tools/gen_bpf_attr_offsets.c && /tmp/gen > src/test/resources/bpf-attr-offsets.tsv
 */
#include <stddef.h>
#include <stdio.h>
#include <linux/bpf.h>

#define F(layout, type, member, field) \
    printf("%s\t%s\t%zu\t%zu\n", layout, #field, offsetof(type, member), sizeof(((type *) 0)->member))
#define A(layout, member) F(layout, union bpf_attr, member, member)
#define S(layout, type) printf("%s\t%s\t%zu\t%zu\n", layout, "(size)", (size_t) 0, sizeof(type))

int main(void) {
    S("bpf_attr", union bpf_attr);
    A("map_create", map_type); A("map_create", key_size); A("map_create", value_size);
    A("map_create", max_entries); A("map_create", map_flags); A("map_create", inner_map_fd);
    A("map_create", numa_node); A("map_create", map_name); A("map_create", map_ifindex);
    A("map_create", btf_fd); A("map_create", btf_key_type_id); A("map_create", btf_value_type_id);
    A("map_create", btf_vmlinux_value_type_id); A("map_create", map_extra);
    A("map_create", value_type_btf_obj_fd); A("map_create", map_token_fd);


    A("map_elem", map_fd); A("map_elem", key); A("map_elem", value); A("map_elem", flags);

    F("map_batch", union bpf_attr, batch.in_batch, in_batch);
    F("map_batch", union bpf_attr, batch.out_batch, out_batch);
    F("map_batch", union bpf_attr, batch.keys, keys);
    F("map_batch", union bpf_attr, batch.values, values);
    F("map_batch", union bpf_attr, batch.count, count);
    F("map_batch", union bpf_attr, batch.map_fd, map_fd);
    F("map_batch", union bpf_attr, batch.elem_flags, elem_flags);
    F("map_batch", union bpf_attr, batch.flags, flags);

    A("prog_load", prog_type); A("prog_load", insn_cnt); A("prog_load", insns); A("prog_load", license);
    A("prog_load", log_level); A("prog_load", log_size); A("prog_load", log_buf);
    A("prog_load", kern_version); A("prog_load", prog_flags); A("prog_load", prog_name);
    A("prog_load", prog_ifindex); A("prog_load", expected_attach_type); A("prog_load", prog_btf_fd);
    A("prog_load", func_info_rec_size); A("prog_load", func_info); A("prog_load", func_info_cnt);
    A("prog_load", line_info_rec_size); A("prog_load", line_info); A("prog_load", line_info_cnt);
    A("prog_load", attach_btf_id); A("prog_load", attach_prog_fd); A("prog_load", core_relo_cnt);
    A("prog_load", fd_array); A("prog_load", core_relos); A("prog_load", core_relo_rec_size);
    A("prog_load", log_true_size); A("prog_load", prog_token_fd);


    A("obj", pathname); A("obj", bpf_fd); A("obj", file_flags); A("obj", path_fd);

    F("test_run", union bpf_attr, test.prog_fd, prog_fd);
    F("test_run", union bpf_attr, test.retval, retval);
    F("test_run", union bpf_attr, test.data_size_in, data_size_in);
    F("test_run", union bpf_attr, test.data_size_out, data_size_out);
    F("test_run", union bpf_attr, test.data_in, data_in);
    F("test_run", union bpf_attr, test.data_out, data_out);
    F("test_run", union bpf_attr, test.repeat, repeat);
    F("test_run", union bpf_attr, test.duration, duration);
    F("test_run", union bpf_attr, test.ctx_size_in, ctx_size_in);
    F("test_run", union bpf_attr, test.ctx_size_out, ctx_size_out);
    F("test_run", union bpf_attr, test.ctx_in, ctx_in);
    F("test_run", union bpf_attr, test.ctx_out, ctx_out);
    F("test_run", union bpf_attr, test.flags, flags);
    F("test_run", union bpf_attr, test.cpu, cpu);
    F("test_run", union bpf_attr, test.batch_size, batch_size);

    A("get_id", start_id); A("get_id", next_id); A("get_id", open_flags);

    F("obj_info", union bpf_attr, info.bpf_fd, bpf_fd);
    F("obj_info", union bpf_attr, info.info_len, info_len);
    F("obj_info", union bpf_attr, info.info, info);

    A("btf_load", btf); A("btf_load", btf_log_buf); A("btf_load", btf_size); A("btf_load", btf_log_size);
    A("btf_load", btf_log_level); A("btf_load", btf_log_true_size); A("btf_load", btf_flags);
    A("btf_load", btf_token_fd);


    F("link_create", union bpf_attr, link_create.prog_fd, prog_fd);
    F("link_create", union bpf_attr, link_create.target_fd, target_fd);
    F("link_create", union bpf_attr, link_create.attach_type, attach_type);
    F("link_create", union bpf_attr, link_create.flags, flags);
    F("link_create", union bpf_attr, link_create.perf_event.bpf_cookie, bpf_cookie);

    S("func_info", struct bpf_func_info);
    F("func_info", struct bpf_func_info, insn_off, insn_off);
    F("func_info", struct bpf_func_info, type_id, type_id);
    S("line_info", struct bpf_line_info);
    F("line_info", struct bpf_line_info, insn_off, insn_off);
    F("line_info", struct bpf_line_info, file_name_off, file_name_off);
    F("line_info", struct bpf_line_info, line_off, line_off);
    F("line_info", struct bpf_line_info, line_col, line_col);

    S("btf_info", struct bpf_btf_info);
    F("btf_info", struct bpf_btf_info, btf, btf); F("btf_info", struct bpf_btf_info, btf_size, btf_size);
    F("btf_info", struct bpf_btf_info, id, id); F("btf_info", struct bpf_btf_info, name, name);
    F("btf_info", struct bpf_btf_info, name_len, name_len);
    F("btf_info", struct bpf_btf_info, kernel_btf, kernel_btf);

    S("prog_info", struct bpf_prog_info);
    F("prog_info", struct bpf_prog_info, type, type);
    F("prog_info", struct bpf_prog_info, id, id);
    F("prog_info", struct bpf_prog_info, tag, tag);
    F("prog_info", struct bpf_prog_info, jited_prog_len, jited_prog_len);
    F("prog_info", struct bpf_prog_info, xlated_prog_len, xlated_prog_len);
    F("prog_info", struct bpf_prog_info, jited_prog_insns, jited_prog_insns);
    F("prog_info", struct bpf_prog_info, xlated_prog_insns, xlated_prog_insns);
    F("prog_info", struct bpf_prog_info, load_time, load_time);
    F("prog_info", struct bpf_prog_info, created_by_uid, created_by_uid);
    F("prog_info", struct bpf_prog_info, nr_map_ids, nr_map_ids);
    F("prog_info", struct bpf_prog_info, map_ids, map_ids);
    F("prog_info", struct bpf_prog_info, name, name);
    F("prog_info", struct bpf_prog_info, ifindex, ifindex);
    F("prog_info", struct bpf_prog_info, btf_id, btf_id);
    F("prog_info", struct bpf_prog_info, run_time_ns, run_time_ns);
    F("prog_info", struct bpf_prog_info, run_cnt, run_cnt);
    F("prog_info", struct bpf_prog_info, verified_insns, verified_insns);

    S("map_info", struct bpf_map_info);
    F("map_info", struct bpf_map_info, type, type);
    F("map_info", struct bpf_map_info, id, id);
    F("map_info", struct bpf_map_info, key_size, key_size);
    F("map_info", struct bpf_map_info, value_size, value_size);
    F("map_info", struct bpf_map_info, max_entries, max_entries);
    F("map_info", struct bpf_map_info, map_flags, map_flags);
    F("map_info", struct bpf_map_info, name, name);
    F("map_info", struct bpf_map_info, ifindex, ifindex);
    F("map_info", struct bpf_map_info, btf_id, btf_id);
    F("map_info", struct bpf_map_info, btf_key_type_id, btf_key_type_id);
    F("map_info", struct bpf_map_info, btf_value_type_id, btf_value_type_id);
    F("map_info", struct bpf_map_info, map_extra, map_extra);
    F("raw_tracepoint", union bpf_attr, raw_tracepoint.name, name);
    F("raw_tracepoint", union bpf_attr, raw_tracepoint.prog_fd, prog_fd);
    F("raw_tracepoint", union bpf_attr, raw_tracepoint.cookie, cookie);

    F("link_create_uprobe_multi", union bpf_attr, link_create.prog_fd, prog_fd);
    F("link_create_uprobe_multi", union bpf_attr, link_create.target_fd, target_fd);
    F("link_create_uprobe_multi", union bpf_attr, link_create.attach_type, attach_type);
    F("link_create_uprobe_multi", union bpf_attr, link_create.flags, flags);
    F("link_create_uprobe_multi", union bpf_attr, link_create.uprobe_multi.path, path);
    F("link_create_uprobe_multi", union bpf_attr, link_create.uprobe_multi.offsets, offsets);
    F("link_create_uprobe_multi", union bpf_attr, link_create.uprobe_multi.ref_ctr_offsets, ref_ctr_offsets);
    F("link_create_uprobe_multi", union bpf_attr, link_create.uprobe_multi.cookies, cookies);
    F("link_create_uprobe_multi", union bpf_attr, link_create.uprobe_multi.cnt, cnt);
    F("link_create_uprobe_multi", union bpf_attr, link_create.uprobe_multi.flags, uprobe_flags);
    F("link_create_uprobe_multi", union bpf_attr, link_create.uprobe_multi.pid, pid);
    F("iter_create", union bpf_attr, iter_create.link_fd, link_fd);
    F("iter_create", union bpf_attr, iter_create.flags, flags);
    return 0;
}
