package org.bpf4j.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.bpf4j.linux.Kernel;
import org.bpf4j.linux.KernelInfo;
import org.bpf4j.linux.sys.Bpf;
import org.bpf4j.linux.sys.Fd;
import org.bpf4j.spec.ProgramType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code bpf4j prog list}: the programs loaded in the kernel, one line each, as bpftool prints them. */
@Command(name = "list", aliases = "show", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Lists the programs loaded in the kernel: ID: TYPE  name NAME  tag TAG  xlated N B  jited N B  map_ids ...")
final class ProgListCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() {
        Kernel kernel = KernelAccess.kernel();
        Bpf bpf = kernel.bpf();
        PrintWriter out = spec.commandLine().getOut();
        int id = 0;
        while ((id = bpf.getNextId(Bpf.Command.PROG_GET_NEXT_ID, id)) > 0) {
            KernelInfo.ProgramInfo info;
            try (Fd fd = new Fd(bpf.getFdById(Bpf.Command.PROG_GET_FD_BY_ID, id), bpf, "program " + id)) {
                info = KernelInfo.programInfo(bpf, fd.value());
            } catch (org.bpf4j.linux.KernelException e) {
                continue; // unloaded meanwhile
            }
            String type = ProgramType.byId(info.type()).map(ProgramType::kernelName).orElse("type " + info.type());
            StringBuilder line = new StringBuilder().append(info.id()).append(": ").append(type);
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
            out.println(line);
        }
        out.flush();
        return Main.EXIT_OK;
    }
}
