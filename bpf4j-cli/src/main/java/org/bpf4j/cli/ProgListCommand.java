package org.bpf4j.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.bpf4j.linux.KernelIds;
import org.bpf4j.linux.KernelInfo;
import org.bpf4j.spec.ProgramType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code bpf4j prog show [id N] [--json]}: the programs loaded in the kernel, as bpftool prints them. */
@Command(name = "show", aliases = "list", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Lists the programs loaded in the kernel (or one, with 'id N'): "
                + "ID: TYPE  name NAME  tag TAG  xlated N B  jited N B  map_ids ...  btf_id N"})
final class ProgListCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Parameters(paramLabel = "id N", arity = "0..2", description = "only the program with this id")
    private List<String> which = List.of();

    @Option(names = "--json", description = "print a JSON array of objects, one per program")
    private boolean json;

    @Override
    public Integer call() {
        List<KernelInfo.ProgramInfo> infos = KernelCalls.shown("prog show", which, KernelIds.Kind.PROGRAM,
                KernelInfo::programInfo);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            List<Object> all = new ArrayList<>();
            infos.forEach(i -> all.add(toJson(i)));
            out.print(Json.write(which.isEmpty() ? all : all.get(0)));
        } else {
            infos.forEach(i -> out.println(line(i)));
        }
        out.flush();
        return Main.EXIT_OK;
    }

    static String typeName(int type) {
        return ProgramType.byId(type).map(ProgramType::kernelName).orElse("type " + type);
    }

    static String line(KernelInfo.ProgramInfo info) {
        StringBuilder line = new StringBuilder().append(info.id()).append(": ").append(typeName(info.type()));
        if (!info.name().isEmpty()) {
            line.append("  name ").append(info.name());
        }
        line.append("  tag ").append(info.tag()).append("  xlated ").append(info.xlatedLength())
                .append("B  jited ").append(info.jitedLength()).append('B');
        if (info.mapIds().length > 0) {
            line.append("  map_ids ");
            for (int i = 0; i < info.mapIds().length; i++) {
                line.append(i == 0 ? "" : ",").append(info.mapIds()[i]);
            }
        }
        if (info.btfId() != 0) {
            line.append("  btf_id ").append(info.btfId());
        }
        return line.toString();
    }

    static Map<String, Object> toJson(KernelInfo.ProgramInfo info) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", info.id());
        m.put("type", typeName(info.type()));
        m.put("name", info.name());
        m.put("tag", info.tag());
        m.put("loaded_at", info.loadTime());
        m.put("uid", info.uid());
        m.put("bytes_xlated", info.xlatedLength());
        m.put("jited", info.jitedLength() > 0);
        m.put("bytes_jited", info.jitedLength());
        List<Object> maps = new ArrayList<>();
        for (int mid : info.mapIds()) {
            maps.add(mid);
        }
        m.put("map_ids", maps);
        m.put("btf_id", info.btfId());
        m.put("verified_insns", info.verifiedInstructions());
        return m;
    }
}
